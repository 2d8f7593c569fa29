"""Tests of the `hub.toml` templates that `o2c-hub init` writes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from config.settings import ConfigError, settings_from_dict
from config.templates import (
    SANDBOX_SHOP_DOMAIN,
    SANDBOX_WEBHOOK_SECRET,
    SandboxEndpoints,
    render_hub_toml,
)


def test_sandbox_template_validates_with_its_literal_secrets(tmp_path: Path) -> None:
    data = tomllib.loads(render_hub_toml(sandbox=True))
    settings = settings_from_dict(data, base_dir=tmp_path, environ={})
    assert settings.environment == "sandbox"
    assert settings.shops[0].domain == SANDBOX_SHOP_DOMAIN
    assert settings.shops[0].webhook_secret.get_secret_value() == SANDBOX_WEBHOOK_SECRET
    assert settings.shops[0].base_url == (
        f"http://127.0.0.1:8701/shops/{SANDBOX_SHOP_DOMAIN}"
    )
    assert settings.odoo is not None and settings.odoo.url == "http://127.0.0.1:8702"
    assert settings.stripe is not None


def test_sandbox_template_points_at_the_given_endpoints(tmp_path: Path) -> None:
    where = SandboxEndpoints(
        shopify_url="http://127.0.0.1:4321", odoo_url=None, stripe_url=None, hub_port=0
    )
    data = tomllib.loads(render_hub_toml(sandbox=True, endpoints=where))
    settings = settings_from_dict(data, base_dir=tmp_path, environ={})
    assert settings.shops[0].base_url == "http://127.0.0.1:4321"
    assert settings.odoo is None and settings.stripe is None


def test_production_template_needs_its_env_secrets(tmp_path: Path) -> None:
    data = tomllib.loads(render_hub_toml())
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(data, base_dir=tmp_path, environ={})
    assert caught.value.problems == [
        "shops[0].access_token: environment variable SHOPIFY_ACCESS_TOKEN is not set",
        "shops[0].webhook_secret: "
        "environment variable SHOPIFY_WEBHOOK_SECRET is not set",
    ]
    environ = {"SHOPIFY_ACCESS_TOKEN": "t", "SHOPIFY_WEBHOOK_SECRET": "s"}
    settings = settings_from_dict(data, base_dir=tmp_path, environ=environ)
    assert settings.environment == "production"


def test_production_template_is_commented_and_has_no_literal_secret() -> None:
    text = render_hub_toml()
    assert text.count("\n#") > 20
    assert "env:SHOPIFY_ACCESS_TOKEN" in text
    assert SANDBOX_WEBHOOK_SECRET not in text
