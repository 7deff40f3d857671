"""The events of generated history: what Stripe's events list holds for the last 30 days of
the window (Stripe keeps events for 30 days), each with the object as it was at that moment
and the types Stripe emits for it.

Only with settlement currencies (Stripe's full model): without them the events list starts
empty and holds only what changes through the API, as it always has.
"""

from __future__ import annotations

import random
from collections import defaultdict

from stripe_sandbox import objects
from stripe_sandbox.builders import event_row
from stripe_sandbox.ids import IdMaker
from stripe_sandbox.objects import Obj

from .output import Output

_CLOSED = ("won", "lost", "warning_closed")
# A refund that fails does so six hours after it was made.
REFUND_FAILS_AFTER = 6 * 3600


class History:
    def __init__(self, out: Output) -> None:
        self.out = out
        self.since = out.events_since
        self.end = out.spec.end
        # Its own generator: events never change the objects generated around them.
        self.ids = IdMaker(out.tag, random.Random(f"{out.spec.seed}|{out.mode}|events"))
        self.charges: dict[str, Obj] = {}
        self.disputed_at: dict[str, int] = {}
        self.refunded: dict[str, int] = defaultdict(int)

    def emit(self, when: int, type_: str, obj: Obj, previous: Obj | None = None) -> None:
        if self.since <= when <= self.end:
            event = objects.event(
                self.ids.make("evt"), when, self.out.livemode, type_, obj, previous
            )
            self.out.add("events", event_row(self.out.ds, event))

    # -- customers and charges --------------------------------------------------------------

    def customer(self, obj: Obj) -> None:
        self.emit(obj["created"], "customer.created", obj)

    def remember(self, charge: Obj, refunded_at: list[int], disputed_at: int | None) -> None:
        """A charge refunded within the events' window: its ``charge.refunded`` events show
        it as it was then, disputed or not yet. Only those are kept (memory: a million
        charges' history has tens of thousands of refunds)."""
        if any(self.since <= when + REFUND_FAILS_AFTER for when in refunded_at):
            self.charges[charge["id"]] = charge
            if disputed_at is not None:
                self.disputed_at[charge["id"]] = disputed_at

    def card_charge(self, charge: Obj) -> None:
        fresh = dict(charge, amount_refunded=0, refunded=False, disputed=False)
        self.emit(charge["created"], f"charge.{charge['status']}", fresh)

    def delayed_capture(self, charge: Obj, captured_at: int) -> None:
        authorised = dict(
            charge,
            amount_captured=0,
            amount_refunded=0,
            balance_transaction=None,
            captured=False,
            refunded=False,
        )
        self.emit(charge["created"], "charge.succeeded", authorised)
        if charge["captured"]:
            previous = {"amount_captured": 0, "balance_transaction": None, "captured": False}
            if charge["amount_refunded"]:
                previous["amount_refunded"] = 0
            self.emit(captured_at, "charge.captured", charge, previous)

    def bank_debit(self, charge: Obj, settles: int, returned: int) -> None:
        pending = dict(
            charge,
            amount_refunded=0,
            failure_balance_transaction=None,
            failure_code=None,
            failure_message=None,
            outcome=objects.outcome("pending", None),
            paid=False,
            refunded=False,
            status="pending",
        )
        if charge["status"] == "failed":
            pending.update(amount_captured=charge["amount"], captured=True)
        self.emit(charge["created"], "charge.pending", pending)
        if charge["status"] == "succeeded":
            settled = dict(charge, amount_refunded=0, refunded=False)
            self.emit(settles, "charge.succeeded", settled, {"paid": False, "status": "pending"})
        elif charge["status"] == "failed":
            self.emit(returned, "charge.failed", charge, {"status": "pending"})

    # -- refunds and disputes ---------------------------------------------------------------

    def refund(self, refund: Obj, failed_at: int | None) -> None:
        created = refund["created"]
        charge = self.charges.get(refund["charge"])
        if charge is None or created > self.end:
            return
        before = self.refunded[charge["id"]]
        if refund["status"] in ("succeeded", "pending"):
            self.refunded[charge["id"]] += refund["amount"]
        after = self.refunded[charge["id"]]
        disputed = self.disputed_at.get(charge["id"], self.end + 1) <= created
        now = dict(
            charge,
            amount_refunded=after,
            disputed=disputed,
            refunded=after >= charge["amount"] and after > 0,
        )
        previous: Obj = {"amount_refunded": before}
        if now["refunded"]:
            previous["refunded"] = False
        self.emit(created, "charge.refunded", now, previous)
        if failed_at is None:
            self.emit(created, "refund.created", refund)
            return
        # Before it failed it was pending, without the failure's fields.
        pending = {k: v for k, v in refund.items() if not k.startswith("failure_")}
        self.emit(created, "refund.created", dict(pending, status="pending"))
        self.emit(failed_at, "refund.updated", refund, {"status": "pending"})
        self.emit(failed_at, "charge.refund.updated", refund, {"status": "pending"})

    def dispute(self, dispute: Obj, closed_at: int) -> None:
        inquiry = dispute["status"].startswith("warning_")
        opened = dict(
            dispute,
            balance_transactions=dispute["balance_transactions"][:1],
            status="warning_needs_response" if inquiry else "needs_response",
        )
        self.emit(dispute["created"], "charge.dispute.created", opened)
        if not inquiry:
            self.emit(dispute["created"], "charge.dispute.funds_withdrawn", opened)
        if dispute["status"] in _CLOSED:
            self.emit(closed_at, "charge.dispute.closed", dispute, {"status": opened["status"]})
            if dispute["status"] == "won":
                self.emit(closed_at, "charge.dispute.funds_reinstated", dispute)

    # -- payouts ----------------------------------------------------------------------------

    def payout(self, payout: Obj, failed_at: int | None) -> None:
        created = dict(
            payout,
            failure_balance_transaction=None,
            failure_code=None,
            failure_message=None,
            reconciliation_status="in_progress",
            status="pending",
        )
        self.emit(payout["created"], "payout.created", created)
        if payout["status"] == "paid":
            self.emit(payout["arrival_date"], "payout.paid", payout, {"status": "in_transit"})
            # From then on its transactions can be listed with ?payout=.
            self.emit(payout["arrival_date"], "payout.reconciliation_completed", payout)
        elif payout["status"] == "failed" and failed_at is not None:
            self.emit(failed_at, "payout.failed", payout, {"status": "in_transit"})
