"""What differs between Odoo 16, 17, 18 and 19 as the hub sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from o2c.errors import ConfigurationError

SUPPORTED_VERSIONS = (16, 17, 18, 19)


@dataclass(frozen=True)
class VersionProfile:
    """One Odoo major version: wire details, field names and engine choices."""

    major: int

    @property
    def server_version(self) -> str:
        """Return the `server_version` string, e.g. "18.0"."""
        return f"{self.major}.0"

    @property
    def version_info(self) -> list[Any]:
        """Return `server_version_info`, e.g. `[18, 0, 0, "final", 0, ""]`."""
        return [self.major, 0, 0, "final", 0, ""]

    @property
    def payment_memo_field(self) -> str:
        """Return the memo field of account.payment: `ref` up to 17, `memo` from 18."""
        return "ref" if self.major <= 17 else "memo"

    @property
    def payment_states(self) -> tuple[str, ...]:
        """Return account.payment `state` values (18 made it a workflow of its own)."""
        if self.major <= 17:
            return ("draft", "posted", "cancel")
        return ("draft", "in_process", "paid", "canceled", "rejected")

    @property
    def modern_taxes(self) -> bool:
        """Return True where the 17.2+/18 tax engine applies (the profiles 18, 19)."""
        return self.major >= 18

    @property
    def has_json2(self) -> bool:
        """Return True where `/json/2/<model>/<method>` exists (19 and later)."""
        return self.major >= 19

    @property
    def has_web_version(self) -> bool:
        """Return True where `GET /web/version` answers.

        Unknown for sure: the route is documented for 19; the sandbox assumes it
        arrived with 17 and answers 404 on 16.
        """
        return self.major >= 17

    @property
    def has_formatted_read_group(self) -> bool:
        """Return True where `formatted_read_group` exists: 19."""
        return self.major >= 19

    @property
    def sale_line_tax_field(self) -> str:
        """Return the sale.order.line taxes field: `tax_id` to 18, `tax_ids` in 19."""
        return "tax_ids" if self.major >= 19 else "tax_id"

    @property
    def sale_line_uom_field(self) -> str:
        """Return the unit field of sale.order.line: `product_uom` up to 18."""
        return "product_uom_id" if self.major >= 19 else "product_uom"

    @property
    def has_price_include_override(self) -> bool:
        """Return True where account.tax has `price_include_override` (18+)."""
        return self.major >= 18

    @property
    def unknown_method_message(self) -> str:
        """Return the format of the error for a method the model does not have."""
        if self.major <= 16:
            return "type object '{model}' has no attribute '{method}'"
        return "The method '{model}.{method}' does not exist"


def profile_for(version: int) -> VersionProfile:
    """Return the profile of an Odoo major version.

    Raises ConfigurationError for a version the sandbox does not simulate.
    """
    if version not in SUPPORTED_VERSIONS:
        raise ConfigurationError(
            f"sandbox Odoo simulates versions {SUPPORTED_VERSIONS}, not {version!r}"
        )
    return VersionProfile(version)
