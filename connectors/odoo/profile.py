"""What differs between Odoo 16, 17, 18 and 19 for what the hub reads and writes."""

from __future__ import annotations

from dataclasses import dataclass

from o2c.errors import ConfigurationError

SUPPORTED_MAJORS = (16, 17, 18, 19)


@dataclass(frozen=True, slots=True)
class OdooProfile:
    """One Odoo major version as the gateway sees it: field names, states, routes."""

    major: int
    minor: int = 0

    @property
    def payment_memo_field(self) -> str:
        """Return the memo field of account.payment: `ref` to 17, `memo` from 18."""
        return "ref" if self.major <= 17 else "memo"

    @property
    def payment_done_states(self) -> tuple[str, ...]:
        """Return the account.payment states that mean "registered and posted".

        16 and 17 follow the payment's entry (`posted`); 18 gave payments their own
        workflow, where a posted payment is `in_process` until the bank matches it.
        """
        if self.major <= 17:
            return ("posted",)
        return ("in_process", "paid")

    @property
    def invoice_paid_states(self) -> tuple[str, ...]:
        """Return the invoice `payment_state` values that mean nothing is left due."""
        return ("in_payment", "paid", "reversed")

    @property
    def sale_line_tax_field(self) -> str:
        """Return the sale.order.line taxes field: `tax_id` to 18, `tax_ids` in 19."""
        return "tax_ids" if self.major >= 19 else "tax_id"

    @property
    def sale_line_uom_field(self) -> str:
        """Return the unit field of sale.order.line: `product_uom_id` from 19."""
        return "product_uom_id" if self.major >= 19 else "product_uom"

    @property
    def group_method(self) -> str:
        """Return the grouping method: `formatted_read_group` from 19."""
        return "formatted_read_group" if self.major >= 19 else "read_group"

    @property
    def tax_include_field(self) -> str:
        """Return the stored price-include field of account.tax.

        18 made `price_include` a computed field over `price_include_override`.
        """
        return "price_include_override" if self.major >= 18 else "price_include"

    @property
    def has_json2(self) -> bool:
        """Return True where `/json/2/<model>/<method>` exists (19 and later)."""
        return self.major >= 19

    @property
    def lock_date_fields(self) -> tuple[str, ...]:
        """Return the res.company lock dates that block customer documents."""
        if self.major <= 17:
            return ("period_lock_date", "fiscalyear_lock_date", "tax_lock_date")
        return (
            "sale_lock_date",
            "fiscalyear_lock_date",
            "tax_lock_date",
            "hard_lock_date",
        )


VersionInfo = str | list[object] | tuple[object, ...]


def profile_from_version(version: VersionInfo) -> OdooProfile:
    """Return the profile for a server version ("17.0", "saas~18.2", [18, 0, ...]).

    Raises ConfigurationError for a version the gateway does not support.
    """
    major, minor = _parse(version)
    if major not in SUPPORTED_MAJORS:
        raise ConfigurationError(
            f"Odoo {major}.{minor} is not supported (majors {SUPPORTED_MAJORS} are)"
        )
    return OdooProfile(major, minor)


def _parse(version: VersionInfo) -> tuple[int, int]:
    """Return (major, minor) of a version string or `server_version_info` list."""
    if isinstance(version, (list, tuple)):
        head = [int(str(part)) for part in version[:2] if str(part).isdigit()]
        if len(head) == 2:
            return head[0], head[1]
        raise ConfigurationError(f"cannot read an Odoo version from {version!r}")
    text = version.split("~", 1)[-1]
    digits = text.replace("+e", "").split("-", 1)[0].split(".")
    try:
        return int(digits[0]), int(digits[1]) if len(digits) > 1 else 0
    except ValueError as exc:
        message = f"cannot read an Odoo version from {version!r}"
        raise ConfigurationError(message) from exc
