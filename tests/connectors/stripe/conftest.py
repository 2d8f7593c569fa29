"""Stripe connector test fixtures: the sandbox on loopback, a connector on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from config.settings import StripeSettings
from connectors.sandbox.stripe.server import API_KEY, SandboxStripe
from connectors.stripe.client import StripeConnector


@pytest.fixture
def sandbox() -> Iterator[SandboxStripe]:
    with SandboxStripe(seed=7) as server:
        yield server


def settings_for(sandbox: SandboxStripe, **overrides: object) -> StripeSettings:
    values: dict[str, object] = {
        "api_key": SecretStr(API_KEY),
        "webhook_secret": SecretStr("whsec_test_hub"),
        "api_base": sandbox.url,
        "max_network_retries": 2,
    }
    return StripeSettings.model_validate(values | overrides)


@pytest.fixture
def connector(sandbox: SandboxStripe) -> StripeConnector:
    return StripeConnector(settings_for(sandbox), page_size=10)
