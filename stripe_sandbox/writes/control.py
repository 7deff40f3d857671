"""Changes Stripe makes on its own, triggered through the control API so that tests can make
them happen: disputes opened and closed, payouts arriving, funds becoming available — and
one deliberate fault, a payout that does not tie out."""

from __future__ import annotations

import time

from stripe_sandbox import builders, errors, objects
from stripe_sandbox.builders import ChargeRef
from stripe_sandbox.objects import Obj

from . import params as p
from .base import CONTROL, WriterBase, dumps


class ControlWrites(WriterBase):
    def open_dispute(
        self,
        charge_id: str,
        reason: str = "fraudulent",
        amount: int | None = None,
        status: str = "needs_response",
    ) -> Obj:
        dataset, charge = self._find("charges", charge_id, "charge")
        if charge["status"] != "succeeded":
            raise errors.invalid_request(f"Charge {charge_id} has not succeeded.", param="charge")
        if charge["disputed"]:
            raise errors.invalid_request(
                f"Charge {charge_id} already has a dispute.", param="charge"
            )
        if reason not in p.DISPUTE_REASONS:
            raise errors.invalid_request(f"Invalid dispute reason: {reason}", param="reason")
        if status not in ("needs_response", "warning_needs_response"):
            raise errors.invalid_request(
                "A new dispute's status is needs_response or warning_needs_response.",
                param="status",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = remaining if amount is None else amount
        if not 0 < amount <= remaining:
            raise errors.invalid_request(
                f"Dispute amount must be between 1 and {remaining}.", param="amount"
            )
        ledger = self._ledger(dataset)
        with self.store.transaction():
            dispute = builders.dispute(
                ledger,
                dispute_id=ledger.ids.make("dp"),
                created=int(time.time()),
                charge=ChargeRef.of(charge),
                amount=amount,
                status=status,
                reason=reason,
                brand=charge["payment_method_details"].get("card", {}).get("brand", "unknown"),
            )
            charge["disputed"] = True
            self.store.update_body("charges", charge_id, dumps(charge))
            self._emit(dataset, "charge.dispute.created", dispute, CONTROL)
            if not status.startswith("warning_"):
                self._emit(dataset, "charge.dispute.funds_withdrawn", dispute, CONTROL)
        return dispute

    def close_dispute(self, dispute_id: str, outcome: str) -> Obj:
        if outcome not in ("won", "lost"):
            raise errors.invalid_request("outcome must be won or lost", param="outcome")
        dataset, dispute = self._find("disputes", dispute_id, "dispute")
        previous_status = dispute["status"]
        if previous_status not in p.OPEN_DISPUTE:
            raise errors.invalid_request(
                f"Dispute {dispute_id} is already closed ({previous_status}).", param="dispute"
            )
        inquiry = previous_status.startswith("warning_")
        ledger = self._ledger(dataset)
        with self.store.transaction():
            if inquiry:
                dispute["status"] = "warning_closed"
            else:
                dispute["status"] = outcome
                if outcome == "won":
                    charge = self._load("charges", dataset, dispute["charge"], "charge", "charge")
                    dispute["balance_transactions"].append(
                        builders.dispute_reversal(
                            ledger,
                            int(time.time()),
                            dispute_id,
                            ChargeRef.of(charge),
                            dispute["amount"],
                        )
                    )
            self.store.update_body("disputes", dispute_id, dumps(dispute))
            self._emit(
                dataset, "charge.dispute.closed", dispute, CONTROL, {"status": previous_status}
            )
            if dispute["status"] == "won":
                self._emit(dataset, "charge.dispute.funds_reinstated", dispute, CONTROL)
        return dispute

    # -- payouts and funds ----------------------------------------------------------------

    def pay_payout(self, payout_id: str) -> Obj:
        """A payout in transit arrives: ``paid``, with ``payout.updated``, ``payout.paid`` and
        ``payout.reconciliation_completed``."""
        dataset, payout = self._find("payouts", payout_id, "payout")
        previous = payout["status"]
        if previous not in ("pending", "in_transit"):
            raise errors.invalid_request(
                f"Payout {payout_id} is {previous}, not pending or in transit.", param="payout"
            )
        payout.update(status="paid", reconciliation_status="completed")
        with self.store.transaction():
            self.store.update_body("payouts", payout_id, dumps(payout), status="paid")
            changed = {"reconciliation_status": "in_progress", "status": previous}
            self._emit(dataset, "payout.updated", payout, CONTROL, changed)
            self._emit(dataset, "payout.paid", payout, CONTROL)
            self._emit(dataset, "payout.reconciliation_completed", payout, CONTROL)
        return payout

    def mistie_payout(self, payout_id: str, difference: int) -> Obj:
        """Fault: a paid payout's amount (and its own transaction) moves by ``difference``,
        so that the transactions it settled no longer add up to it."""
        if difference == 0:
            raise errors.invalid_request("difference must not be 0", param="difference")
        dataset, payout = self._find("payouts", payout_id, "payout")
        if payout["status"] != "paid":
            raise errors.invalid_request(
                f"Payout {payout_id} is {payout['status']}, not paid.", param="payout"
            )
        txn = self._load(
            "balance_transactions", dataset, payout["balance_transaction"], "payout", "payout"
        )
        previous = payout["amount"]
        payout["amount"] += difference
        txn.update(amount=txn["amount"] - difference, net=txn["net"] - difference)
        with self.store.transaction():
            self.store.update_body("payouts", payout_id, dumps(payout))
            self.store.update_body("balance_transactions", txn["id"], dumps(txn))
            self.store.add_balance(
                [(dataset.ds, txn["currency"], txn["available_on"], -difference)]
            )
            self._emit(dataset, "payout.updated", payout, CONTROL, {"amount": previous})
        return payout

    def make_available(self, txn_id: str) -> Obj:
        """A pending balance transaction's funds become available now (``balance.available``
        carries the new balance)."""
        dataset, txn = self._find("balance_transactions", txn_id, "balance transaction")
        if txn["status"] == "available":
            raise errors.invalid_request(
                f"Balance transaction {txn_id} is already available.", param="id"
            )
        now = int(time.time())
        moved = min(txn["available_on"], now)
        with self.store.transaction():
            if moved != txn["available_on"]:
                currency, net = txn["currency"], txn["net"]
                self.store.add_balance(
                    [
                        (dataset.ds, currency, txn["available_on"], -net),
                        (dataset.ds, currency, moved, net),
                    ]
                )
            txn.update(available_on=moved, status="available")
            self.store.update_body("balance_transactions", txn_id, dumps(txn))
            available, pending = self.store.balance(dataset.ds, now)
            balance = objects.balance(dataset.livemode, available, pending)
            self._emit(dataset, "balance.available", balance, CONTROL)
        return txn
