"""Customers, charges and refunds created through the API (and a pending charge succeeding),
with the events Stripe emits for them."""

from __future__ import annotations

import time

import orjson

from stripe_sandbox import builders, currencies, errors, objects
from stripe_sandbox.accounts import Dataset
from stripe_sandbox.builders import ChargeRef
from stripe_sandbox.objects import Obj

from . import params as p
from .base import CONTROL, Origin, WriterBase, dumps


def _amount_and_currency(params: Obj) -> tuple[int, str]:
    amount = p.positive_int(params, "amount")
    currency = p.required_str(params, "currency").lower()
    if currency not in currencies.SUPPORTED:
        raise errors.invalid_request(f"Invalid currency: {currency}.", param="currency")
    if currency in currencies.THREE_DECIMAL and amount % 10:
        raise errors.invalid_request(
            f"Amounts in {currency.upper()} must be a multiple of 10 (the last digit of a "
            "three-decimal currency amount must be 0).",
            param="amount",
        )
    if amount < currencies.minimum(currency):
        raise errors.invalid_request(
            f"Amount must be at least {currencies.minimum(currency)} in the smallest "
            f"unit of {currency}.",
            param="amount",
            code="amount_too_small",
        )
    return amount, currency


def _card_for(source: str) -> tuple[tuple[str, str, str, str], str, str | None]:
    """(brand, last4, funding, country), the charge's status, and its decline."""
    decline = p.DECLINE_TOKENS.get(source)
    if source in p.TOKENS:
        return p.TOKENS[source], "succeeded", None
    if decline is not None:
        return ("visa", "0002", "credit", "US"), "failed", decline
    if source == p.PENDING_TOKEN:
        return p.TOKENS["tok_visa"], "pending", None
    raise errors.no_such("token", source, "source")


class PaymentWrites(WriterBase):
    def create_customer(self, dataset: Dataset, params: Obj, origin: Origin) -> Obj:
        created = int(time.time())
        ids = self._ids(dataset)
        obj = objects.customer(
            ids.customer(),
            created,
            dataset.livemode,
            name=p.optional_str(params, "name"),
            email=p.optional_str(params, "email"),
            invoice_prefix=ids.short(8).upper(),
            description=p.optional_str(params, "description"),
            phone=p.optional_str(params, "phone"),
            metadata=p.metadata(params),
        )
        with self.store.transaction():
            self.store.insert("customers", [builders.customer_row(dataset.ds, obj)])
            self._emit(dataset, "customer.created", obj, origin)
        return obj

    def create_charge(self, dataset: Dataset, params: Obj, origin: Origin) -> Obj:
        amount, currency = _amount_and_currency(params)
        customer_id = p.optional_str(params, "customer")
        customer: Obj | None = None
        if customer_id:
            customer = self._load("customers", dataset, customer_id, "customer", "customer")
        source = p.optional_str(params, "source")
        if source is None:
            if customer is None:
                raise errors.invalid_request(
                    "Must provide source or customer.", param="source", code="parameter_missing"
                )
            source = "tok_visa"  # a sandbox customer's default card
        (brand, last4, funding, country), status, decline = _card_for(source)
        if params.get("capture") not in (None, "true", True):
            raise errors.invalid_request(
                "The sandbox only creates captured charges (capture=true).", param="capture"
            )
        created = int(time.time())
        ledger = self._ledger(dataset)
        charge_id = ledger.ids.make("ch")
        description = p.optional_str(params, "description")
        card = objects.card(
            brand=brand,
            last4=last4,
            exp_month=12,
            exp_year=2034,
            country=country,
            funding=funding,
            fingerprint=ledger.ids.short(16),
            cvc_check="pass",
        )
        with self.store.transaction():
            txn_id = None
            if status == "succeeded":
                ref = ChargeRef(charge_id, currency)
                txn_id = builders.charge_transaction(ledger, ref, created, amount, description)[
                    "id"
                ]
            obj = objects.charge(
                charge_id,
                created,
                dataset.livemode,
                amount=amount,
                currency=currency,
                status=status,
                customer=customer_id,
                balance_transaction=txn_id,
                method_details=objects.card_method(card),
                payment_method="card_" + charge_id[3:],
                risk_score=20,
                description=description,
                billing_name=customer["name"] if customer else None,
                billing_email=customer["email"] if customer else None,
                decline=decline,
                receipt_email=p.optional_str(params, "receipt_email"),
                metadata=p.metadata(params),
            )
            self.store.insert("charges", [builders.charge_row(dataset.ds, obj)])
            self._emit(dataset, f"charge.{status}", obj, origin)
        if decline is not None:
            failure_code, decline_code, message = objects.DECLINES[decline]
            raise errors.card_declined(charge_id, failure_code, decline_code, message)
        return obj

    def succeed_charge(self, charge_id: str) -> Obj:
        dataset, charge = self._find("charges", charge_id, "charge")
        if charge["status"] != "pending":
            raise errors.invalid_request(
                f"Charge {charge_id} is {charge['status']}, not pending.", param="charge"
            )
        now = int(time.time())
        ledger = self._ledger(dataset)
        with self.store.transaction():
            txn = charge["balance_transaction"]
            if txn is None:  # a bank debit has had its transaction since it was submitted
                ref = ChargeRef.of(charge)
                txn = builders.charge_transaction(
                    ledger, ref, now, charge["amount"], charge["description"]
                )["id"]
            charge.update(status="succeeded", paid=True, balance_transaction=txn)
            self.store.update_body("charges", charge_id, dumps(charge))
            self._emit(dataset, "charge.succeeded", charge, CONTROL)
        return charge

    def create_refund(self, dataset: Dataset, params: Obj, origin: Origin) -> Obj:
        if params.get("payment_intent") is not None:
            raise errors.invalid_request(
                "The sandbox refunds charges only; pass `charge`.", param="payment_intent"
            )
        charge_id = p.required_str(params, "charge")
        charge = self._load("charges", dataset, charge_id, "charge", "charge")
        amount = self._refundable(dataset, charge, params)
        reason = p.optional_str(params, "reason")
        if reason is not None and reason not in p.REFUND_REASONS:
            raise errors.invalid_request(
                f"Invalid reason: must be one of {', '.join(p.REFUND_REASONS)}", param="reason"
            )
        created = int(time.time())
        ledger = self._ledger(dataset)
        with self.store.transaction():
            refund = builders.refund(
                ledger,
                refund_id=ledger.ids.make("re"),
                created=created,
                charge=ChargeRef.of(charge),
                amount=amount,
                status="succeeded",
                reason=reason,
                metadata=p.metadata(params),
            )
            previous: Obj = {"amount_refunded": charge["amount_refunded"]}
            charge["amount_refunded"] += amount
            refunded = charge["amount_refunded"] >= charge["amount"]
            if refunded != charge["refunded"]:
                previous["refunded"] = charge["refunded"]
                charge["refunded"] = refunded
            self.store.update_body("charges", charge_id, dumps(charge))
            self._emit(dataset, "charge.refunded", charge, origin, previous)
            self._emit(dataset, "refund.created", refund, origin)
        return refund

    def _refundable(self, dataset: Dataset, charge: Obj, params: Obj) -> int:
        """The amount to refund, after Stripe's checks of the charge and the amount."""
        charge_id = charge["id"]
        if charge["status"] != "succeeded":
            raise errors.invalid_request(
                f"Charge {charge_id} has not succeeded, so it cannot be refunded.",
                param="charge",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise errors.invalid_request(
                f"Charge {charge_id} has already been refunded.",
                param="charge",
                code="charge_already_refunded",
            )
        if self._charged_back(dataset, charge_id):
            raise errors.invalid_request(
                f"Charge {charge_id} has been charged back; cannot issue a refund.",
                param="charge",
                code="charge_disputed",
            )
        amount = remaining if params.get("amount") is None else p.positive_int(params, "amount")
        if amount > remaining:
            raise errors.invalid_request(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining}).",
                param="amount",
                code="amount_too_large",
            )
        currency = charge["currency"]
        if currency in currencies.THREE_DECIMAL and amount % 10:
            raise errors.invalid_request(
                f"Amounts in {currency.upper()} must be a multiple of 10.", param="amount"
            )
        return amount

    def _charged_back(self, dataset: Dataset, charge_id: str) -> bool:
        for body in self.store.page(
            "disputes", dataset.ds, [("charge = ?", [charge_id])], None, False, 10
        ):
            dispute = orjson.loads(body)
            if not dispute["is_charge_refundable"] and dispute["status"] != "won":
                return True
        return False
