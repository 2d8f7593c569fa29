"""Tests of the settings schema: loading, overrides, secrets, every problem at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import (
    ConfigError,
    Settings,
    config_path,
    load_settings,
    settings_from_dict,
)

SHOP = {
    "name": "main",
    "domain": "Main-Shop.myshopify.com",
    "access_token": "env:TOKEN",
    "webhook_secret": "env:SECRET",
}
ENV = {"TOKEN": "shpat_abc", "SECRET": "s3cret"}


def _write(folder: Path, text: str) -> Path:
    path = folder / "hub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_settings_reads_toml_and_resolves_env_secrets(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[server]
port = 9001

[[shops]]
name = "main"
domain = "main.myshopify.com"
access_token = "env:TOKEN"
webhook_secret = "env:SECRET"
""",
    )
    settings = load_settings(path, environ=ENV)
    assert settings.server.port == 9001
    assert settings.shops[0].access_token.get_secret_value() == "shpat_abc"
    assert settings.base_dir == tmp_path
    assert settings.store_url == f"sqlite:///{tmp_path / 'o2c-hub.db'}"


def test_defaults_give_an_embedded_hub_beside_the_file(tmp_path: Path) -> None:
    settings = settings_from_dict({}, base_dir=tmp_path)
    assert settings.environment == "production"
    assert settings.queue.backend == "sqlite"
    assert settings.queue_url == str(tmp_path / "o2c-queue.db")
    assert settings.mapping_file == tmp_path / "mapping.toml"
    assert settings.shops == ()


def test_env_override_replaces_a_nested_file_value(tmp_path: Path) -> None:
    data = {"server": {"port": 8000}, "shops": [SHOP]}
    environ = {**ENV, "O2C_HUB__SERVER__PORT": "9100"}
    settings = settings_from_dict(data, base_dir=tmp_path, environ=environ)
    assert settings.server.port == 9100


def test_env_override_addresses_a_shop_by_position(tmp_path: Path) -> None:
    environ = {**ENV, "O2C_HUB__SHOPS__0__POLL_INTERVAL": "60"}
    settings = settings_from_dict({"shops": [SHOP]}, base_dir=tmp_path, environ=environ)
    assert settings.shops[0].poll_interval == 60


def test_env_override_parses_a_json_list(tmp_path: Path) -> None:
    environ = {"O2C_HUB__POLICY__HOLD_RISK_LEVELS": '["HIGH", "MEDIUM"]'}
    settings = settings_from_dict({}, base_dir=tmp_path, environ=environ)
    assert settings.policy.hold_risk_levels == ("HIGH", "MEDIUM")


def test_env_override_for_a_missing_shop_position_is_a_problem(tmp_path: Path) -> None:
    environ = {**ENV, "O2C_HUB__SHOPS__3__POLL_INTERVAL": "60"}
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"shops": [SHOP]}, base_dir=tmp_path, environ=environ)
    assert caught.value.problems == [
        "O2C_HUB__SHOPS__3__POLL_INTERVAL: shops has 1 entries; there is no [3]"
    ]


def test_env_override_below_a_plain_value_is_a_problem(tmp_path: Path) -> None:
    environ = {"O2C_HUB__SERVER__PORT__X": "1"}
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(
            {"server": {"port": 8000}}, base_dir=tmp_path, environ=environ
        )
    assert "O2C_HUB__SERVER__PORT__X" in caught.value.problems[0]


def test_env_override_of_a_secret_reads_the_named_variable(tmp_path: Path) -> None:
    environ = {
        **ENV,
        "OTHER": "rotated",
        "O2C_HUB__SHOPS__0__WEBHOOK_SECRET": "env:OTHER",
    }
    settings = settings_from_dict({"shops": [SHOP]}, base_dir=tmp_path, environ=environ)
    assert settings.shops[0].webhook_secret.get_secret_value() == "rotated"


def test_every_problem_is_reported_at_once_with_its_key(tmp_path: Path) -> None:
    data = {
        "server": {"port": -1, "max_body_bytes": 10},
        "queue": {"backend": "kafka"},
        "shops": [{"name": "Bad Name", "domain": "x.myshopify.com"}],
        "unknown": 1,
    }
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(data, base_dir=tmp_path, environ={})
    keys = {problem.split(":")[0] for problem in caught.value.problems}
    assert keys == {
        "server.port",
        "server.max_body_bytes",
        "queue.backend",
        "shops[0].name",
        "shops[0].access_token",
        "shops[0].webhook_secret",
        "unknown",
    }


def test_literal_secret_is_refused_in_production(tmp_path: Path) -> None:
    shop = {**SHOP, "access_token": "shpat_literal_value"}
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"shops": [shop]}, base_dir=tmp_path, environ=ENV)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(
        "shops[0].access_token: a literal secret"
    )
    assert "shpat_literal_value" not in str(caught.value)


@pytest.mark.parametrize("environment", ["sandbox", "development"])
def test_literal_secret_is_accepted_outside_production(
    tmp_path: Path, environment: str
) -> None:
    shop = {**SHOP, "access_token": "tok", "webhook_secret": "sec"}
    data = {"environment": environment, "shops": [shop]}
    settings = settings_from_dict(data, base_dir=tmp_path, environ={})
    assert settings.shops[0].webhook_secret.get_secret_value() == "sec"


def test_file_secret_is_read_relative_to_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text("shpat_from_file\n")
    shop = {**SHOP, "access_token": "file:secrets/token"}
    settings = settings_from_dict({"shops": [shop]}, base_dir=tmp_path, environ=ENV)
    assert settings.shops[0].access_token.get_secret_value() == "shpat_from_file"


def test_missing_secret_sources_are_each_reported(tmp_path: Path) -> None:
    shop = {**SHOP, "access_token": "file:nope.txt", "webhook_secret": "env:ABSENT"}
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"shops": [shop]}, base_dir=tmp_path, environ={})
    assert caught.value.problems == [
        f"shops[0].access_token: cannot read secret file {tmp_path / 'nope.txt'}: "
        "No such file or directory",
        "shops[0].webhook_secret: environment variable ABSENT is not set",
    ]


def test_secrets_never_appear_in_the_settings_repr_or_dump(tmp_path: Path) -> None:
    settings = settings_from_dict({"shops": [SHOP]}, base_dir=tmp_path, environ=ENV)
    assert "s3cret" not in repr(settings)
    assert "shpat_abc" not in settings.model_dump_json()


def test_shop_domain_is_normalised_and_found_case_insensitively(tmp_path: Path) -> None:
    settings = settings_from_dict({"shops": [SHOP]}, base_dir=tmp_path, environ=ENV)
    assert settings.shops[0].domain == "main-shop.myshopify.com"
    assert settings.shop_by_domain("MAIN-shop.myshopify.com") is settings.shops[0]
    assert settings.shop_by_domain("other.myshopify.com") is None


def test_a_shop_configured_twice_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"shops": [SHOP, SHOP]}, base_dir=tmp_path, environ=ENV)
    assert caught.value.problems == ["shops: shop 'main' is configured twice"]


def test_unknown_shop_name_raises_key_error_naming_the_known_ones(
    tmp_path: Path,
) -> None:
    settings = settings_from_dict({"shops": [SHOP]}, base_dir=tmp_path, environ=ENV)
    with pytest.raises(KeyError, match="configured: \\['main'\\]"):
        settings.shop("other")


def test_rotation_window_accepts_previous_secret_until_the_deadline(
    tmp_path: Path,
) -> None:
    shop = {
        **SHOP,
        "previous_webhook_secret": "env:OLD",
        "previous_secret_valid_until": datetime(2026, 6, 1, 12, 0),
    }
    environ = {**ENV, "OLD": "old-secret"}
    settings = settings_from_dict({"shops": [shop]}, base_dir=tmp_path, environ=environ)
    configured = settings.shops[0]
    assert configured.previous_secret_valid_until == datetime(
        2026, 6, 1, 12, 0, tzinfo=UTC
    )
    before = datetime(2026, 6, 1, 11, 59, 59, tzinfo=UTC)
    at_deadline = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert configured.webhook_secrets(before) == ["s3cret", "old-secret"]
    assert configured.webhook_secrets(at_deadline) == ["s3cret"]


def test_previous_secret_without_a_deadline_is_a_problem(tmp_path: Path) -> None:
    shop = {**SHOP, "previous_webhook_secret": "env:OLD"}
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(
            {"shops": [shop]}, base_dir=tmp_path, environ={**ENV, "OLD": "o"}
        )
    assert caught.value.problems == [
        "shops[0]: previous_webhook_secret needs previous_secret_valid_until "
        "(the end of the rotation window)"
    ]


def test_queue_server_backend_without_url_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"queue": {"backend": "redis"}}, base_dir=tmp_path)
    assert caught.value.problems == ["queue: queue backend 'redis' needs a url"]


def test_bad_shopify_api_version_is_a_problem(tmp_path: Path) -> None:
    shop = {**SHOP, "api_version": "2026.10"}
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"shops": [shop]}, base_dir=tmp_path, environ=ENV)
    assert caught.value.problems == [
        "shops[0].api_version: Shopify API versions look like 2026-10, not '2026.10'"
    ]


def test_missing_file_is_a_config_error_suggesting_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="o2c-hub init"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_invalid_toml_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[server\nport = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.path == path
    assert caught.value.problems[0].startswith("not valid TOML")


def test_config_path_prefers_argument_then_env_then_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("O2C_HUB_CONFIG", raising=False)
    assert config_path() == tmp_path / "hub.toml"
    monkeypatch.setenv("O2C_HUB_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"
    assert config_path(tmp_path / "arg.toml") == tmp_path / "arg.toml"


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = settings_from_dict({}, base_dir=tmp_path)
    with pytest.raises(ValueError):
        settings.server.port = 1  # type: ignore[misc]
    assert isinstance(settings, Settings)
