"""Sandbox Stripe: Stripe's list paging, filters, expansion, errors and idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.sandbox.stripe.server import API_KEY, SandboxStripe, decode_form
from connectors.sandbox.stripe.store import StripeRequestError, StripeStore

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def sandbox() -> Iterator[SandboxStripe]:
    with SandboxStripe(seed=3) as server:
        for n in range(7):
            server.account.charge(1000 + n, "eur", created=1_700_000_000 + n)
        yield server


def get(sandbox: SandboxStripe, path: str, **params: Any) -> requests.Response:
    return requests.get(sandbox.url + path, params=params, headers=AUTH, timeout=5)


def charge_ids(sandbox: SandboxStripe) -> list[str]:
    """Charge ids newest first, as Stripe lists them."""
    charges = sandbox.store.objects["charges"].values()
    return [c["id"] for c in sorted(charges, key=lambda c: -c["created"])]


def test_form_keys_nest_like_stripe() -> None:
    pairs = [
        ("created[gte]", "5"),
        ("expand[0]", "a"),
        ("expand[1]", "b"),
        ("x[]", "c"),
    ]
    assert decode_form(pairs) == {
        "created": {"gte": "5"},
        "expand": ["a", "b"],
        "x": ["c"],
    }


def test_list_is_newest_first_in_stripe_envelope(sandbox: SandboxStripe) -> None:
    body = get(sandbox, "/v1/charges", limit=3).json()
    assert body["object"] == "list"
    assert body["url"] == "/v1/charges"
    assert body["has_more"] is True
    assert [c["id"] for c in body["data"]] == charge_ids(sandbox)[:3]


def test_starting_after_and_ending_before_page_both_ways(
    sandbox: SandboxStripe,
) -> None:
    ids = charge_ids(sandbox)
    after = get(sandbox, "/v1/charges", limit=3, starting_after=ids[2]).json()
    assert [c["id"] for c in after["data"]] == ids[3:6]
    assert after["has_more"] is True
    last = get(sandbox, "/v1/charges", limit=3, starting_after=ids[5]).json()
    assert ([c["id"] for c in last["data"]], last["has_more"]) == (ids[6:], False)
    before = get(sandbox, "/v1/charges", limit=2, ending_before=ids[4]).json()
    assert [c["id"] for c in before["data"]] == ids[2:4]
    assert before["has_more"] is True


def test_created_filter_keeps_the_range(sandbox: SandboxStripe) -> None:
    body = get(
        sandbox,
        "/v1/charges",
        **{"created[gte]": 1_700_000_002, "created[lt]": 1_700_000_005},
    ).json()
    assert sorted(c["created"] for c in body["data"]) == [
        1_700_000_002,
        1_700_000_003,
        1_700_000_004,
    ]


def test_expand_replaces_ids_with_objects(sandbox: SandboxStripe) -> None:
    body = get(
        sandbox, "/v1/balance_transactions", limit=1, **{"expand[]": "data.source"}
    ).json()
    assert body["data"][0]["source"]["object"] == "charge"
    charge = get(
        sandbox,
        f"/v1/charges/{charge_ids(sandbox)[0]}",
        **{"expand[0]": "payment_intent"},
    ).json()
    assert charge["payment_intent"]["object"] == "payment_intent"


def test_list_expansion_must_start_with_data(sandbox: SandboxStripe) -> None:
    response = get(sandbox, "/v1/charges", **{"expand[]": "payment_intent"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "expand"


def test_unknown_object_answers_stripe_error_shape(sandbox: SandboxStripe) -> None:
    response = get(sandbox, "/v1/payouts/po_nope")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "type": "invalid_request_error",
            "message": "No such payout: 'po_nope'",
            "code": "resource_missing",
            "param": "id",
        }
    }
    assert response.headers["Request-Id"].startswith("req_")


def test_missing_key_is_refused(sandbox: SandboxStripe) -> None:
    response = requests.get(sandbox.url + "/v1/charges", timeout=5)
    assert response.status_code == 401


@pytest.mark.parametrize("limit", [0, 101, "x"])
def test_limit_outside_one_to_hundred_is_refused(
    sandbox: SandboxStripe, limit: object
) -> None:
    assert get(sandbox, "/v1/charges", limit=limit).status_code == 400


def test_post_with_the_same_key_is_replayed(sandbox: SandboxStripe) -> None:
    charge = charge_ids(sandbox)[0]
    headers = AUTH | {"Idempotency-Key": "k-1"}
    first = requests.post(
        sandbox.url + "/v1/refunds",
        data={"charge": charge, "amount": 100},
        headers=headers,
        timeout=5,
    )
    again = requests.post(
        sandbox.url + "/v1/refunds",
        data={"charge": charge, "amount": 100},
        headers=headers,
        timeout=5,
    )
    other = requests.post(
        sandbox.url + "/v1/refunds",
        data={"charge": charge, "amount": 99},
        headers=headers,
        timeout=5,
    )
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    assert len(sandbox.store.objects["refunds"]) == 1


def test_refund_beyond_the_charge_is_refused(sandbox: SandboxStripe) -> None:
    charge = charge_ids(sandbox)[0]
    response = requests.post(
        sandbox.url + "/v1/refunds",
        data={"charge": charge, "amount": 999_999},
        headers=AUTH,
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "amount_too_large"


def test_events_older_than_thirty_days_are_not_listed() -> None:
    store = StripeStore(clock=lambda: 1_700_000_000 + 31 * 86400)
    store.put("events", {"id": "evt_old", "created": 1_700_000_000})
    store.put("events", {"id": "evt_new", "created": 1_700_000_000 + 30 * 86400})
    page = store.list_page("events", {"limit": "10"})
    assert [e["id"] for e in page["data"]] == ["evt_new"]


def test_unknown_cursor_is_refused() -> None:
    with pytest.raises(StripeRequestError, match="No such object"):
        StripeStore().list_page("charges", {"starting_after": "ch_nope"})
