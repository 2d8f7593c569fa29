"""Sandbox Odoo: JSON-RPC and JSON-2 with the accounting models the hub touches.

>>> with SandboxOdoo(version=17) as odoo:
...     odoo.url, odoo.database, odoo.login, odoo.password, odoo.api_key
"""

from __future__ import annotations

from connectors.sandbox.odoo.faults import CallCounter, Faults
from connectors.sandbox.odoo.profiles import (
    SUPPORTED_VERSIONS,
    VersionProfile,
    profile_for,
)
from connectors.sandbox.odoo.sandbox import SandboxOdoo

__all__ = [
    "SUPPORTED_VERSIONS",
    "CallCounter",
    "Faults",
    "SandboxOdoo",
    "VersionProfile",
    "profile_for",
]
