"""The sandbox's Stripe objects, and the v1 list semantics over them.

Lists are newest first (by `created`, then by insertion), paged with `limit`,
`starting_after` and `ending_before` as Stripe documents; filters on `created[...]`,
`type`, `charge`, `payment_intent` and `payout`; `expand` replaces an id with its object
(`data.` prefixed on lists). Answers share their parts with the stored objects: a
caller serializes them at once, under `lock`, and never changes them.

Where Stripe's behaviour is not documented, the sandbox picks a plain rule and says
so: the `payout=` filter answers every line the payout carried, the payout's own
balance transaction included (the public docs show it in their examples).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

MAX_LIMIT = 100
EVENT_RETENTION_SECONDS = 30 * 24 * 3600

# The resources the sandbox serves, and the id prefixes that point into them.
RESOURCES = (
    "charges",
    "payment_intents",
    "refunds",
    "disputes",
    "payouts",
    "balance_transactions",
    "events",
)
_PREFIXES = {
    "ch_": "charges",
    "py_": "charges",
    "pi_": "payment_intents",
    "re_": "refunds",
    "pyr_": "refunds",
    "dp_": "disputes",
    "du_": "disputes",
    "po_": "payouts",
    "txn_": "balance_transactions",
    "evt_": "events",
}
_FILTERS = ("type", "charge", "payment_intent")


class StripeRequestError(Exception):
    """An error in Stripe's shape: `{"error": {type, code, message, param}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if code:
            self.body["code"] = code
        if param:
            self.body["param"] = param
        super().__init__(message)


def resource_of(object_id: str) -> str | None:
    """The resource an id belongs to, from its prefix."""
    for prefix, resource in _PREFIXES.items():
        if object_id.startswith(prefix):
            return resource
    return None


class StripeStore:
    """Stripe objects by resource and id, safe to use from the server's threads."""

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self.objects: dict[str, dict[str, dict[str, Any]]] = {r: {} for r in RESOURCES}
        self.payout_lines: dict[str, list[str]] = {}  # po_ -> txn_ ids it carried
        self.clock = clock
        self.lock = threading.RLock()
        self._sequence: dict[str, int] = {}
        self._sorted: dict[str, list[str] | None] = dict.fromkeys(RESOURCES)

    # -- writing --------------------------------------------------------------

    def put(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace an object; returns it."""
        with self.lock:
            table = self.objects[resource]
            if obj["id"] not in table:
                self._sequence[obj["id"]] = len(self._sequence)
                self._sorted[resource] = None
            table[obj["id"]] = obj
            return obj

    def assign_to_payout(self, payout_id: str, line_ids: list[str]) -> None:
        """Record which balance transactions a payout carried."""
        with self.lock:
            self.payout_lines.setdefault(payout_id, []).extend(line_ids)

    # -- reading --------------------------------------------------------------

    def get(self, object_id: str) -> dict[str, Any] | None:
        """The stored object with this id (not a copy), or None."""
        resource = resource_of(object_id)
        return self.objects[resource].get(object_id) if resource else None

    def retrieve(
        self, resource: str, object_id: str, expand: list[str]
    ) -> dict[str, Any]:
        """One object, expanded; raises StripeRequestError (404)."""
        with self.lock:
            obj = self.objects[resource].get(object_id)
            if obj is None:
                singular = resource.removesuffix("s").replace("_", " ")
                raise StripeRequestError(
                    404,
                    f"No such {singular}: '{object_id}'",
                    code="resource_missing",
                    param="id",
                )
            return self._expanded(obj, expand)

    def list_page(self, resource: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One page of a list in Stripe's envelope; raises StripeRequestError (400)."""
        limit = _limit(params.get("limit"))
        expand = [
            p.removeprefix("data.") for p in _expand_paths(params, prefix="data.")
        ]
        with self.lock:
            ids = self._filtered(resource, params)
            page, has_more = _page(ids, params, limit)
            data = [self._expanded(self.objects[resource][i], expand) for i in page]
        return {
            "object": "list",
            "url": f"/v1/{resource}",
            "has_more": has_more,
            "data": data,
        }

    # -- internals ------------------------------------------------------------

    def _newest_first(self, resource: str) -> list[str]:
        cached = self._sorted[resource]
        if cached is None:
            table = self.objects[resource]
            cached = sorted(
                table,
                key=lambda i: (table[i]["created"], self._sequence[i]),
                reverse=True,
            )
            self._sorted[resource] = cached
        return cached

    def _filtered(self, resource: str, params: Mapping[str, Any]) -> list[str]:
        table = self.objects[resource]
        if resource == "balance_transactions" and "payout" in params:
            carried = set(self.payout_lines.get(str(params["payout"]), ()))
            ids = [i for i in self._newest_first(resource) if i in carried]
        else:
            ids = self._newest_first(resource)
        created = params.get("created")
        checks = _created_checks(created) if created is not None else []
        if resource == "events" and self.clock is not None:
            oldest = int(self.clock()) - EVENT_RETENTION_SECONDS
            checks.append(lambda t: t >= oldest)
        wanted = {k: str(params[k]) for k in _FILTERS if k in params}
        if not checks and not wanted:
            return ids
        return [
            i
            for i in ids
            if all(check(table[i]["created"]) for check in checks)
            and all(_id_of(table[i].get(k)) == v for k, v in wanted.items())
        ]

    def _expanded(self, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
        for path in paths:
            obj = self._expand_path(obj, path.split("."))
        return obj

    def _expand_path(self, obj: dict[str, Any], parts: list[str]) -> dict[str, Any]:
        """A new dict with the field replaced by its object; the stored one is kept."""
        field, rest = parts[0], parts[1:]
        value = obj.get(field)
        if isinstance(value, str):
            value = self.get(value)
            if value is None:
                return obj
        if not isinstance(value, dict):
            return obj
        return {**obj, field: self._expand_path(value, rest) if rest else value}


def _id_of(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def _limit(raw: Any) -> int:
    if raw is None:
        return 10
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise StripeRequestError(
            400,
            f"Invalid limit: must be between 1 and {MAX_LIMIT}",
            code="parameter_invalid_integer",
            param="limit",
        )
    return limit


def _expand_paths(params: Mapping[str, Any], *, prefix: str) -> list[str]:
    raw = params.get("expand") or []
    paths = [raw] if isinstance(raw, str) else list(raw)
    for path in paths:
        if not path.startswith(prefix):
            raise StripeRequestError(
                400,
                f"This property cannot be expanded ({path}); list expansions "
                f"start with '{prefix}'",
                param="expand",
            )
    return paths


def _created_checks(created: Any) -> list[Callable[[int], bool]]:
    if not isinstance(created, Mapping):
        value = _integer(created, "created")
        return [lambda t: t == value]
    operators: dict[str, Callable[[int, int], bool]] = {
        "gte": lambda t, v: t >= v,
        "gt": lambda t, v: t > v,
        "lte": lambda t, v: t <= v,
        "lt": lambda t, v: t < v,
    }
    checks: list[Callable[[int], bool]] = []
    for key, raw in created.items():
        if key not in operators:
            raise StripeRequestError(
                400, f"Received unknown parameter: created[{key}]", param="created"
            )
        value, operator = _integer(raw, f"created[{key}]"), operators[key]
        checks.append(_bound(operator, value))
    return checks


def _bound(operator: Callable[[int, int], bool], value: int) -> Callable[[int], bool]:
    return lambda t: operator(t, value)


def _integer(raw: Any, param: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise StripeRequestError(
            400,
            f"Invalid integer: {raw}",
            code="parameter_invalid_integer",
            param=param,
        ) from None


def _page(
    ids: list[str], params: Mapping[str, Any], limit: int
) -> tuple[list[str], bool]:
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise StripeRequestError(
            400, "You may only specify one of starting_after and ending_before"
        )
    cursor = after or before
    if not cursor:
        return ids[:limit], len(ids) > limit
    try:
        index = ids.index(str(cursor))
    except ValueError:
        name = "starting_after" if after else "ending_before"
        raise StripeRequestError(
            400,
            f"No such object: '{cursor}'",
            code="resource_missing",
            param=name,
        ) from None
    if after:
        rest = ids[index + 1 :]
        return rest[:limit], len(rest) > limit
    earlier = ids[:index]
    return earlier[-limit:], len(earlier) > limit
