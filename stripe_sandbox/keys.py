"""API keys: kinds, modes, restricted-key permissions, masking, and the keys file.

Permission names are Stripe's restricted-key permission identifiers (``rak_<name>``). Stripe's
permission table has no row of its own for refunds: they ride on Charges, so listing refunds
needs ``rak_charge_read``. Balance transactions need ``rak_balance_transaction_source_read``
(the "Balance transaction sources" row; ``rak_balance_transaction_read`` does not exist).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ids

SECRET = "secret"  # noqa: S105 - the name of a key kind
RESTRICTED = "restricted"
PUBLISHABLE = "publishable"
KINDS = (SECRET, RESTRICTED, PUBLISHABLE)
MODES = ("test", "live")

# The permission each resource needs, by the name used in the sandbox's endpoint table.
RESOURCE_PERMISSION = {
    "charges": "charge",
    "refunds": "charge",
    "customers": "customer",
    "disputes": "dispute",
    "balance_transactions": "balance_transaction_source",
    "events": "event",
    "balance": "balance",
    "payouts": "payout",
    # Listing Connect accounts (GET /v1/accounts).
    "connected_accounts": "connected_account",
    # GET /v1/account is not open to restricted keys in practice: Stripe's table names
    # connected_account_read, and keys with every Read ticked are still refused naming this.
    "account": "accounts_kyc_id_numbers",
}

FULL_READ = (
    "charge_read",
    "customer_read",
    "dispute_read",
    "balance_transaction_source_read",
    "event_read",
    "balance_read",
    "payout_read",
)

_PREFIX = {SECRET: "sk", RESTRICTED: "rk", PUBLISHABLE: "pk"}


def normalise_permission(name: str) -> str:
    """Accept ``rak_charge_read`` or ``charge_read``; keep the bare form."""
    bare = name.strip().removeprefix("rak_")
    if not (bare.endswith(("_read", "_write"))) or len(bare) < 6:
        raise ValueError(f"not a restricted-key permission: {name!r}")
    return bare


def normalise_permissions(names: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_permission(n) for n in names)


@dataclass
class ApiKey:
    key: str
    name: str
    account: str
    mode: str
    kind: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    revoked: bool = False

    @property
    def livemode(self) -> bool:
        return self.mode == "live"

    def allows(self, permission: str) -> bool:
        """`permission` is e.g. ``charge_read``; Write on a resource includes Read."""
        if self.kind == SECRET:
            return True
        if permission in self.permissions:
            return True
        return permission.endswith("_read") and (
            permission.removesuffix("_read") + "_write" in self.permissions
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "account": self.account,
            "mode": self.mode,
            "type": self.kind,
            "livemode": self.livemode,
            "permissions": sorted("rak_" + p for p in self.permissions),
            "revoked": self.revoked,
        }


def make_key(
    seed: str,
    account: str,
    name: str,
    mode: str,
    kind: str,
    permissions: Iterable[str] = (),
    key: str | None = None,
) -> ApiKey:
    if mode not in MODES:
        raise ValueError(f"mode must be test or live, not {mode!r}")
    if kind not in KINDS:
        raise ValueError(f"type must be one of {', '.join(KINDS)}, not {kind!r}")
    prefix = f"{_PREFIX[kind]}_{mode}_"
    if key is None:
        key = ids.derive_key(seed, account, name, prefix)
    return ApiKey(
        key=key,
        name=name,
        account=account,
        mode=mode,
        kind=kind,
        permissions=normalise_permissions(permissions) if kind == RESTRICTED else frozenset(),
    )


def default_keys(seed: str, account: str, modes: Iterable[str]) -> list[ApiKey]:
    """The named keys every account gets; live ones only when the account has live data."""
    modes = set(modes)
    no_disputes = [p for p in FULL_READ if p != "dispute_read"]
    no_events = [p for p in FULL_READ if p != "event_read"]
    specs: list[tuple[str, str, str, list[str]]] = [
        ("secret", "test", SECRET, []),
        ("publishable", "test", PUBLISHABLE, []),
        ("restricted", "test", RESTRICTED, list(FULL_READ)),
        ("restricted_no_disputes", "test", RESTRICTED, no_disputes),
        ("restricted_no_events", "test", RESTRICTED, no_events),
        ("secret_live", "live", SECRET, []),
        ("publishable_live", "live", PUBLISHABLE, []),
        ("restricted_live", "live", RESTRICTED, list(FULL_READ)),
    ]
    return [
        make_key(seed, account, name, mode, kind, perms)
        for name, mode, kind, perms in specs
        if mode in modes
    ]


def mask_invalid(key: str) -> str:
    """How Stripe shows a rejected key: the first 8 characters and the last 4."""
    if len(key) <= 12:
        return key[: len(key) // 3] + "*" * (len(key) - len(key) // 3)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def mask_restricted(key: str) -> str:
    """How Stripe shows a key in a 403: the prefix and the last 6 characters."""
    if len(key) <= 14:
        return mask_invalid(key)
    return key[:8] + "*" * (len(key) - 14) + key[-6:]


class KeyRing:
    """Every key the sandbox knows, by key string."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}

    def add(self, api_key: ApiKey) -> None:
        self._keys[api_key.key] = api_key

    def get(self, key: str) -> ApiKey | None:
        return self._keys.get(key)

    def __iter__(self) -> Iterator[ApiKey]:
        return iter(list(self._keys.values()))

    def for_account(self, account: str) -> list[ApiKey]:
        return [k for k in self._keys.values() if k.account == account]

    def names(self, account: str) -> dict[str, str]:
        return {k.name: k.key for k in self.for_account(account) if not k.revoked}


def load_keys_file(path: Path) -> list[dict[str, Any]]:
    """A JSON list of key specs, or ``{"keys": [...]}``; see the README for the fields."""
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data.get("keys", [])
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError(f"{path}: expected a list of key objects")
    return data
