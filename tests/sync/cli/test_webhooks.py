"""`o2c-hub webhooks register|list` against the sandbox Shopify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sync.cli.app import app
from sync.cli.webhooks import endpoint_address
from sync.intake import ORDER_TOPICS

runner = CliRunner()


def _json(config: Path, *args: str) -> dict:
    result = runner.invoke(app, ["--config", str(config), "webhooks", *args, "--json"])
    assert result.exit_code == 0, result.output
    document: dict = json.loads(result.stdout)
    return document


def test_register_subscribes_every_order_topic_once(shopify_config: Path) -> None:
    url = "https://hub.example.com/o2c/"
    first = _json(shopify_config, "register", "--shop", "demo", "--url", url)
    again = _json(shopify_config, "register", "--shop", "demo", "--url", url)
    listed = _json(shopify_config, "list", "--shop", "demo")

    uri = "https://hub.example.com/o2c/webhooks/shopify"
    assert first["uri"] == again["uri"] == uri
    assert [s["topic"] for s in first["subscriptions"]] == sorted(ORDER_TOPICS)
    assert all(s["created"] for s in first["subscriptions"])
    assert not any(s["created"] for s in again["subscriptions"])
    assert sorted((s["topic"], s["uri"]) for s in listed["subscriptions"]) == [
        (topic, uri) for topic in sorted(ORDER_TOPICS)
    ]


def test_register_prints_a_table_for_people(shopify_config: Path) -> None:
    args = ["webhooks", "register", "--shop", "demo", "--url", "https://h.example"]
    result = runner.invoke(app, ["--config", str(shopify_config), *args])

    assert result.exit_code == 0, result.output
    assert f"{len(ORDER_TOPICS)} created, 0 already there" in result.stdout


def test_an_unknown_shop_is_a_configuration_problem(shopify_config: Path) -> None:
    args = ["webhooks", "list", "--shop", "nope"]
    result = runner.invoke(app, ["--config", str(shopify_config), *args])

    assert result.exit_code == 2
    assert "no shop named 'nope'" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hub.example.com", "https://hub.example.com/webhooks/shopify"),
        ("https://hub.example.com/", "https://hub.example.com/webhooks/shopify"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/webhooks/shopify"),
        ("https://x.example/o2c//", "https://x.example/o2c/webhooks/shopify"),
    ],
)
def test_the_endpoint_is_under_the_base_url(url: str, expected: str) -> None:
    assert endpoint_address(url) == expected


@pytest.mark.parametrize(
    "url", ["hub.example.com", "ftp://hub.example.com", "https://h.example/?a=1"]
)
def test_a_url_that_is_not_a_base_url_is_refused(url: str) -> None:
    with pytest.raises(typer.BadParameter):
        endpoint_address(url)
