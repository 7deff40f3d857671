"""``expand``: every field Stripe documents as expandable, for every object served, up to
four levels deep (``data.balance_transaction.source``).

Stored bodies are JSON bytes; an expansion splices the referenced object's JSON in place of
its id (``"customer":"cus_…"`` → ``"customer":{…}``) without parsing, and a list Stripe only
includes on request (a charge's ``refunds``, a customer's ``sources``) is appended to the
body. Fields the sandbox always leaves null, or that are already objects in its bodies,
expand to what they are: Stripe would accept the request, so the sandbox does too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import errors
from .store import Store, table_for_id

MAX_DEPTH = 4

# What a field holds and so how it expands.
ANY = "*"  # the id of an object of any stored type (a balance transaction's source)
CHILDREN = "children"  # a list of the object's children, only included when expanded
EMPTY = "empty"  # such a list that the sandbox never fills (a customer's sources)
AS_IS = "as is"  # null, or already an object in the sandbox's bodies

TABLE_OBJECT = {
    "charges": "charge",
    "customers": "customer",
    "refunds": "refund",
    "disputes": "dispute",
    "balance_transactions": "balance_transaction",
    "events": "event",
    "payouts": "payout",
}

# Per object: each expandable field (Stripe's ``x-expandableFields``) and what it holds —
# an object type when it holds that object's id.
EXPANDABLE: dict[str, dict[str, str]] = {
    "charge": {
        **dict.fromkeys(
            (
                "application",
                "application_fee",
                "billing_details",
                "fraud_details",
                "invoice",
                "on_behalf_of",
                "outcome",
                "payment_intent",
                "payment_method_details",
                "radar_options",
                "review",
                "shipping",
                "source_transfer",
                "transfer",
                "transfer_data",
            ),
            AS_IS,
        ),
        "balance_transaction": "balance_transaction",
        "customer": "customer",
        "failure_balance_transaction": "balance_transaction",
        "refunds": CHILDREN,
    },
    "customer": {
        **dict.fromkeys(
            (
                "address",
                "cash_balance",
                "default_source",
                "discount",
                "invoice_settings",
                "shipping",
                "tax",
                "test_clock",
            ),
            AS_IS,
        ),
        "sources": EMPTY,
        "subscriptions": EMPTY,
        "tax_ids": EMPTY,
    },
    "refund": {
        **dict.fromkeys(
            (
                "next_action",
                "payment_intent",
                "source_transfer_reversal",
                "transfer_reversal",
            ),
            AS_IS,
        ),
        "balance_transaction": "balance_transaction",
        "charge": "charge",
        "failure_balance_transaction": "balance_transaction",
    },
    "dispute": {
        **dict.fromkeys(
            (
                "balance_transactions",
                "evidence",
                "evidence_details",
                "payment_intent",
                "payment_method_details",
            ),
            AS_IS,
        ),
        "charge": "charge",
    },
    "balance_transaction": {"fee_details": AS_IS, "source": ANY},
    "event": {"data": AS_IS, "request": AS_IS},
    "payout": {
        "balance_transaction": "balance_transaction",
        "destination": "bank_account",
        "failure_balance_transaction": "balance_transaction",
        "original_payout": AS_IS,
        "reversed_by": AS_IS,
    },
    "bank_account": {"account": AS_IS, "customer": AS_IS},
    "account": dict.fromkeys(
        (
            "business_profile",
            "capabilities",
            "company",
            "controller",
            "external_accounts",
            "future_requirements",
            "individual",
            "requirements",
            "settings",
            "tos_acceptance",
        ),
        AS_IS,
    ),
    "balance": dict.fromkeys(
        (
            "available",
            "connect_reserved",
            "instant_available",
            "issuing",
            "pending",
        ),
        AS_IS,
    ),
}
# The children a CHILDREN field lists: (table, the column naming the parent, URL tail).
_CHILDREN = {("charge", "refunds"): ("refunds", "charge", "refunds")}
# A charge's expanded ``refunds`` holds its ten newest, as Stripe's does.
CHILDREN_SHOWN = 10


def _cannot(value: str, hint: str = "") -> errors.StripeError:
    return errors.invalid_request(
        f"This property cannot be expanded ({value}).{hint}", param="expand"
    )


def _valid(object_type: str, path: list[str]) -> bool:
    fields = EXPANDABLE.get(object_type, {})
    kind = fields.get(path[0])
    if kind is None:
        return False
    rest = path[1:]
    if not rest or kind in (AS_IS, EMPTY):
        return True
    if kind == CHILDREN:
        child = TABLE_OBJECT[_CHILDREN[(object_type, path[0])][0]]
        return rest[0] == "data" and len(rest) > 1 and _valid(child, rest[1:])
    targets = set(TABLE_OBJECT.values()) if kind == ANY else {kind}
    return any(_valid(target, rest) for target in targets)


def fields(values: Iterable[str], object_type: str, *, listing: bool) -> list[str]:
    """The paths to expand (without a list's ``data.``), checked as Stripe checks them."""
    paths: list[str] = []
    for value in values:
        path = value
        if listing:
            if not value.startswith("data."):
                hint = ""
                if value.split(".")[0] in EXPANDABLE.get(object_type, {}):
                    hint = f" You may want to try expanding 'data.{value}' instead."
                raise _cannot(value, hint)
            path = value.removeprefix("data.")
        parts = path.split(".")
        if len(parts) > MAX_DEPTH or not _valid(object_type, parts):
            raise _cannot(value)
        if path not in paths:
            paths.append(path)
    return paths


_FIELD_PATTERNS: dict[str, re.Pattern[bytes]] = {}
_ID = re.compile(rb'^\{"id":"([A-Za-z0-9_]+)"')


def _pattern(name: str) -> re.Pattern[bytes]:
    pattern = _FIELD_PATTERNS.get(name)
    if pattern is None:
        # The leading quote keeps "balance_transaction" from matching inside
        # "failure_balance_transaction"; ids are [A-Za-z0-9_] only.
        pattern = _FIELD_PATTERNS[name] = re.compile(b'"' + name.encode() + rb'":"([A-Za-z0-9_]+)"')
    return pattern


def _list_json(url: str, items: list[bytes], has_more: bool) -> bytes:
    return b"".join(
        (
            b'{"object":"list","data":[',
            b",".join(items),
            b'],"has_more":',
            b"true" if has_more else b"false",
            b',"url":"',
            url.encode(),
            b'"}',
        )
    )


@dataclass
class Expander:
    """Expands bodies of one dataset; bank accounts are not stored, so they are given."""

    store: Store
    ds: int
    bank_accounts: Mapping[str, bytes]

    def expand(self, bodies: list[bytes], object_type: str, paths: list[str]) -> list[bytes]:
        tree: dict[str, list[str]] = {}
        for path in paths:
            head, _, rest = path.partition(".")
            tree.setdefault(head, [])
            if rest:
                tree[head].append(rest)
        appended: list[tuple[str, list[str]]] = []
        for name, rests in tree.items():
            kind = EXPANDABLE[object_type][name]
            if kind in (CHILDREN, EMPTY):
                appended.append((name, rests))
            elif kind != AS_IS:
                bodies = self._splice(bodies, name, rests)
        for name, rests in appended:
            bodies = self._append(bodies, object_type, name, rests)
        return bodies

    def _targets(self, ids: list[str], rests: list[str]) -> dict[str, bytes]:
        """The objects named by ``ids``, themselves expanded by ``rests``."""
        by_table: dict[str, list[str]] = {}
        found: dict[str, bytes] = {}
        for object_id in ids:
            table = table_for_id(object_id)
            if table is not None:
                by_table.setdefault(table, []).append(object_id)
            elif object_id in self.bank_accounts:
                found[object_id] = self.bank_accounts[object_id]
        for table, wanted in by_table.items():
            got = self.store.bodies(table, self.ds, wanted)
            object_type = TABLE_OBJECT[table]
            usable = [r for r in rests if _valid(object_type, r.split("."))]
            if usable:
                keys = list(got)
                got = dict(
                    zip(keys, self.expand([got[k] for k in keys], object_type, usable), strict=True)
                )
            found.update(got)
        return found

    def _splice(self, bodies: list[bytes], name: str, rests: list[str]) -> list[bytes]:
        pattern = _pattern(name)
        matches = [pattern.search(body) for body in bodies]
        ids = [m.group(1).decode() for m in matches if m is not None]
        found = self._targets(ids, rests) if ids else {}
        prefix = b'"' + name.encode() + b'":'
        out: list[bytes] = []
        for body, match in zip(bodies, matches, strict=True):
            target = found.get(match.group(1).decode()) if match is not None else None
            if match is None or target is None:
                out.append(body)
            else:
                out.append(body[: match.start()] + prefix + target + body[match.end() :])
        return out

    def _append(
        self, bodies: list[bytes], object_type: str, name: str, rests: list[str]
    ) -> list[bytes]:
        """Add the list field at the end of each body (Stripe sends it only on request)."""
        parents = []
        for body in bodies:
            match = _ID.match(body)
            parents.append(match.group(1).decode() if match else "")
        children: dict[str, list[bytes]] = {}
        child_rests: list[str] = []
        source = _CHILDREN.get((object_type, name))
        if source is not None:
            table, column, _ = source
            children = self.store.children(table, self.ds, column, parents, CHILDREN_SHOWN + 1)
            child_rests = [r.removeprefix("data.") for r in rests if r.startswith("data.")]
        out: list[bytes] = []
        for body, parent in zip(bodies, parents, strict=True):
            items = children.get(parent, [])
            has_more = len(items) > CHILDREN_SHOWN
            items = items[:CHILDREN_SHOWN]
            if source is not None and child_rests and items:
                items = self.expand(items, TABLE_OBJECT[source[0]], child_rests)
            url = f"/v1/{object_type}s/{parent}/{name}"
            out.append(
                body[:-1] + b',"' + name.encode() + b'":' + _list_json(url, items, has_more) + b"}"
            )
        return out
