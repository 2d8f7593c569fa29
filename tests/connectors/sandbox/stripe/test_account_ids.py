"""Sandbox Stripe charges under ids another system already holds (a storefront's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connectors.sandbox.stripe.server import API_KEY, SandboxStripe

AUTH = {"Authorization": f"Bearer {API_KEY}"}
CREATED = 1_767_225_600  # 2026-01-01
CHARGE_ID = "ch_3StorefrontNamedCharge01"
INTENT_ID = "pi_3StorefrontNamedIntent01"


@pytest.fixture
def sandbox() -> Iterator[SandboxStripe]:
    with SandboxStripe(seed=5) as server:
        yield server


def test_charge_with_explicit_ids_is_served_under_them(sandbox: SandboxStripe) -> None:
    charge = sandbox.account.charge(
        12_990, "cad", created=CREATED, charge_id=CHARGE_ID, intent_id=INTENT_ID
    )

    assert (charge["id"], charge["payment_intent"]) == (CHARGE_ID, INTENT_ID)
    served = requests.get(
        f"{sandbox.url}/v1/charges/{CHARGE_ID}", headers=AUTH, timeout=5
    ).json()
    assert (served["amount"], served["currency"]) == (12_990, "cad")
    assert (served["payment_intent"], served["metadata"]) == (INTENT_ID, {})
    assert served["description"] is None
    intent = requests.get(
        f"{sandbox.url}/v1/payment_intents/{INTENT_ID}", headers=AUTH, timeout=5
    ).json()
    assert (intent["latest_charge"], intent["metadata"]) == (CHARGE_ID, {})
    line = sandbox.store.objects["balance_transactions"][charge["balance_transaction"]]
    assert (line["source"], line["amount"]) == (CHARGE_ID, 12_990)
    kinds = [
        (e["type"], e["data"]["object"]["id"])
        for e in sandbox.store.objects["events"].values()
    ]
    assert kinds == [
        ("payment_intent.succeeded", INTENT_ID),
        ("charge.succeeded", CHARGE_ID),
    ]


def test_charge_without_ids_draws_new_ones(sandbox: SandboxStripe) -> None:
    first = sandbox.account.charge(500, "usd", created=CREATED)
    second = sandbox.account.charge(500, "usd", created=CREATED)

    assert first["id"].startswith("ch_") and first["payment_intent"].startswith("pi_")
    assert first["id"] != second["id"]
    assert first["payment_intent"] != second["payment_intent"]


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ({"charge_id": CHARGE_ID}, f"charges id '{CHARGE_ID}' is already taken"),
        ({"intent_id": INTENT_ID}, f"payment_intents id '{INTENT_ID}' is already"),
    ],
)
def test_charge_refuses_an_id_already_taken_and_writes_nothing(
    sandbox: SandboxStripe, ids: dict[str, str], message: str
) -> None:
    sandbox.account.charge(
        700, "eur", created=CREATED, charge_id=CHARGE_ID, intent_id=INTENT_ID
    )
    counts = {kind: len(objs) for kind, objs in sandbox.store.objects.items()}

    with pytest.raises(ValueError, match=message):
        sandbox.account.charge(900, "eur", created=CREATED + 60, **ids)

    assert {kind: len(o) for kind, o in sandbox.store.objects.items()} == counts
    assert sandbox.store.objects["charges"][CHARGE_ID]["amount"] == 700


@pytest.mark.parametrize(
    "ids",
    [
        {"charge_id": "pi_3WrongPrefix"},
        {"intent_id": "ch_3WrongPrefix"},
        {"charge_id": "ch_"},
    ],
)
def test_charge_refuses_an_id_of_another_kind(
    sandbox: SandboxStripe, ids: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="must start with"):
        sandbox.account.charge(900, "eur", created=CREATED, **ids)

    assert sandbox.store.objects["charges"] == {}
