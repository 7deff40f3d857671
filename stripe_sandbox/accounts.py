"""Accounts and their datasets: creating one (ids, keys, generated history) and the
in-memory registry the server consults on every request."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from . import currencies, generate, ids, keys, objects
from .keys import ApiKey, KeyRing
from .ledger import DAY
from .objects import Obj
from .settlement import Settlement
from .store import Store


@dataclass(frozen=True)
class Dataset:
    ds: int
    account: str
    mode: str

    @property
    def livemode(self) -> bool:
        return self.mode == "live"


@dataclass
class Account:
    id: str
    tag: str
    seed: str
    ordinal: int
    created: int
    datasets: dict[str, Dataset]
    params: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def email(self) -> str:
        return f"owner+{self.tag.lower()}@example.com"

    @property
    def settlement(self) -> Settlement:
        chosen = self.params.get("settlement_currencies")
        return Settlement(None if chosen is None else tuple(chosen))

    @functools.cached_property
    def bank_account_bodies(self) -> dict[str, bytes]:
        """The bank accounts as JSON by id, for ``expand[]=destination`` (built once)."""
        return {bank["id"]: orjson.dumps(bank) for bank in self.bank_accounts()}

    def bank_accounts(self) -> list[Obj]:
        """One bank account per settlement currency: where its payouts go."""
        settlement = self.settlement
        return [
            objects.bank_account(
                ids.bank_account_id(self.id, currency),
                self.id,
                currency=currency,
                country=settlement.country,
                last4=ids.digest_digits(f"last4|{self.id}|{currency}", 4),
                fingerprint=ids.digest_chars(f"bank|{self.id}|{currency}", 16),
            )
            for currency in settlement.payout_currencies
        ]

    def stripe_object(self) -> Obj:
        """The account as ``GET /v1/account`` shows it."""
        settlement = self.settlement
        return objects.account(
            self.id,
            self.created,
            self.email,
            default_currency=settlement.default_currency,
            country=settlement.country,
            bank_accounts=self.bank_accounts(),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tag": self.tag,
            "seed": self.seed,
            "ordinal": self.ordinal,
            "created": self.created,
            "datasets": {mode: d.ds for mode, d in self.datasets.items()},
            "params": self.params,
            "counts": self.counts,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Account:
        account_id = str(doc["id"])
        return cls(
            id=account_id,
            tag=str(doc["tag"]),
            seed=str(doc["seed"]),
            ordinal=int(doc["ordinal"]),
            created=int(doc["created"]),
            datasets={
                mode: Dataset(int(ds), account_id, mode) for mode, ds in doc["datasets"].items()
            },
            params=dict(doc.get("params", {})),
            counts=dict(doc.get("counts", {})),
        )


@dataclass(frozen=True)
class AccountSpec:
    seed: str
    charges: int
    days: float
    end: int
    modes: tuple[str, ...] = ("test", "live")
    # None: every charge settles in its own currency (the sandbox's first model, kept so
    # that existing seeds give the same data). Given: Stripe's model, the first being the
    # account's default currency (see ``settlement``).
    settlement_currencies: tuple[str, ...] | None = None

    def validate(self) -> None:
        if self.charges < 0:
            raise ValueError("charges must be >= 0")
        if self.days <= 0:
            raise ValueError("days must be > 0")
        if not self.modes or any(m not in keys.MODES for m in self.modes):
            raise ValueError("modes must be a non-empty list of test and live")
        chosen = self.settlement_currencies
        if chosen is not None:
            if not chosen or len(set(chosen)) != len(chosen):
                raise ValueError("settlement_currencies must be distinct currencies")
            unknown = [c for c in chosen if c not in currencies.SUPPORTED]
            if unknown:
                raise ValueError(f"unsupported settlement currency: {', '.join(unknown)}")


def build_account(store: Store, spec: AccountSpec, ordinal: int) -> tuple[Account, list[ApiKey]]:
    """Generate an account's data through `store` (any thread's connection) and derive its
    keys; nothing in memory is touched, so this can run off the event loop."""
    spec.validate()
    account_id, tag = ids.account_identity(spec.seed, ordinal)
    account = Account(
        id=account_id,
        tag=tag,
        seed=spec.seed,
        ordinal=ordinal,
        created=int(spec.end - max(spec.days, 1.0) * 3 * DAY),
        datasets={},
        params={
            "charges": spec.charges,
            "days": spec.days,
            "end": spec.end,
            "modes": list(spec.modes),
            "settlement_currencies": None
            if spec.settlement_currencies is None
            else list(spec.settlement_currencies),
        },
    )
    with store.transaction():
        for mode in dict.fromkeys(spec.modes):
            dataset = Dataset(store.new_dataset(account_id, mode), account_id, mode)
            account.datasets[mode] = dataset
            account.counts[mode] = generate.generate(
                store,
                dataset.ds,
                dataset.livemode,
                tag,
                account_id,
                generate.Spec(
                    spec.seed, spec.charges, spec.days, spec.end, spec.settlement_currencies
                ),
            )
        api_keys = keys.default_keys(spec.seed, account_id, spec.modes)
        store.save_account(account_id, json.dumps(account.to_json()))
        for api_key in api_keys:
            store.save_key(api_key.key, json.dumps(api_key.to_json()))
    return account, api_keys


def key_from_json(doc: dict[str, Any]) -> ApiKey:
    return ApiKey(
        key=str(doc["key"]),
        name=str(doc["name"]),
        account=str(doc["account"]),
        mode=str(doc["mode"]),
        kind=str(doc["type"]),
        permissions=keys.normalise_permissions(doc.get("permissions", [])),
        revoked=bool(doc.get("revoked", False)),
    )


class Registry:
    """Accounts, datasets and keys known to the running server."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.keys = KeyRing()
        self.datasets: dict[int, Dataset] = {}
        self.default_account: str | None = None
        self._ordinals: dict[str, int] = {}

    def next_ordinal(self, seed: str) -> int:
        """The n-th account made from a seed gets the n-th id for it, so two accounts with
        one seed stay distinct and a fresh sandbox repeats the same ids."""
        ordinal = self._ordinals.get(seed, 0)
        self._ordinals[seed] = ordinal + 1
        return ordinal

    def add(self, account: Account, api_keys: list[ApiKey]) -> None:
        self.accounts[account.id] = account
        for dataset in account.datasets.values():
            self.datasets[dataset.ds] = dataset
        self._ordinals[account.seed] = max(self._ordinals.get(account.seed, 0), account.ordinal + 1)
        for api_key in api_keys:
            self.keys.add(api_key)
        if self.default_account is None:
            self.default_account = account.id

    def dataset(self, account: str, mode: str) -> Dataset | None:
        found = self.accounts.get(account)
        return None if found is None else found.datasets.get(mode)

    def save_key(self, store: Store, api_key: ApiKey) -> None:
        store.save_key(api_key.key, json.dumps(api_key.to_json()))

    def key_from_spec(self, spec: dict[str, Any]) -> ApiKey:
        """A key described in the keys file or POST /_sandbox/keys, added to the registry."""
        account_id = spec.get("account") or "default"
        if account_id == "default":
            account_id = self.default_account
        account = self.accounts.get(str(account_id))
        if account is None:
            raise ValueError(f"unknown account {account_id!r}")
        mode = str(spec.get("mode", "test"))
        if mode not in account.datasets:
            raise ValueError(f"account {account.id} has no {mode} data")
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("every key needs a name")
        api_key = keys.make_key(
            account.seed,
            account.id,
            name,
            mode,
            str(spec.get("type", keys.RESTRICTED)),
            spec.get("permissions", []),
            key=spec.get("key"),
        )
        self.keys.add(api_key)
        return api_key


def parse_currencies(value: Any) -> tuple[str, ...] | None:
    """Settlement currencies: None, a list, or a comma-separated string (``usd,eur``)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(item).strip().lower() for item in items if str(item).strip())


def parse_end(value: Any) -> int:
    """The window's end: None (now), Unix seconds, or an ISO date or datetime (UTC if bare)."""
    if value is None or value == "" or value == "now":
        return int(time.time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
