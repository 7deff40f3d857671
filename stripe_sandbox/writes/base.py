"""What every change shares: the dataset's ledger (rows straight to the database), events,
and finding the objects a change is about."""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson

from stripe_sandbox import errors, objects
from stripe_sandbox.accounts import Dataset, Registry
from stripe_sandbox.builders import event_row
from stripe_sandbox.ids import IdMaker
from stripe_sandbox.ledger import Ledger, Row
from stripe_sandbox.objects import Obj
from stripe_sandbox.store import Store


@dataclass(frozen=True)
class Origin:
    """The API request behind a change, for the event's ``request`` field."""

    request_id: str | None = None
    idempotency_key: str | None = None


# Changes Stripe makes on its own (the control API stands in for them): no request.
CONTROL = Origin()


def dumps(obj: Obj) -> bytes:
    return orjson.dumps(obj)


class StoreSink:
    """A write's rows go to the database at once, inside the caller's transaction."""

    def __init__(self, store: Store, ds: int) -> None:
        self.store = store
        self.ds = ds

    def add(self, table: str, row: Row) -> None:
        self.store.insert(table, [row])

    def add_balance(self, currency: str, available_on: int, net: int) -> None:
        self.store.add_balance([(self.ds, currency, available_on, net)])


class WriterBase:
    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry

    def _ids(self, dataset: Dataset) -> IdMaker:
        return IdMaker(self.registry.accounts[dataset.account].tag)

    def _ledger(self, dataset: Dataset) -> Ledger:
        account = self.registry.accounts[dataset.account]
        return Ledger(
            StoreSink(self.store, dataset.ds),
            self._ids(dataset),
            account.settlement,
            dataset.livemode,
        )

    def _emit(
        self,
        dataset: Dataset,
        type_: str,
        obj: Obj,
        origin: Origin,
        previous: Obj | None = None,
    ) -> None:
        event = objects.event(
            self._ids(dataset).make("evt"),
            int(time.time()),
            dataset.livemode,
            type_,
            obj,
            previous,
            origin.request_id,
            origin.idempotency_key,
        )
        self.store.insert("events", [event_row(dataset.ds, event)])

    def _load(self, table: str, dataset: Dataset, object_id: str, param: str, name: str) -> Obj:
        body = self.store.body(table, dataset.ds, object_id)
        if body is None:
            raise errors.no_such(name, object_id, param)
        loaded: Obj = orjson.loads(body)
        return loaded

    def _find(self, table: str, object_id: str, name: str) -> tuple[Dataset, Obj]:
        """Control endpoints name objects by id alone; find their dataset."""
        located = self.store.locate(object_id)
        if located is None or located[0] != table:
            raise errors.no_such(name, object_id, "id")
        _, ds, body = located
        dataset = self.registry.datasets.get(ds)
        if dataset is None:
            raise errors.no_such(name, object_id, "id")
        found: Obj = orjson.loads(body)
        return dataset, found
