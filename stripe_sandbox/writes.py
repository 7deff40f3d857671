"""Changes made through the API and the control endpoints, with the events Stripe emits.

Every change writes the object's new state, its balance transactions, and one event per
Stripe event type (``data.object`` is the new state; ``previous_attributes`` where Stripe
sends them), all in one SQLite transaction.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import orjson

from . import currencies, errors, generate, objects
from .accounts import Dataset, Registry
from .ids import IdMaker
from .store import Store

Obj = dict[str, Any]

# Test tokens that succeed: brand, last4, funding, country.
TOKENS = {
    "tok_visa": ("visa", "4242", "credit", "US"),
    "tok_visa_debit": ("visa", "5556", "debit", "US"),
    "tok_mastercard": ("mastercard", "4444", "credit", "US"),
    "tok_mastercard_debit": ("mastercard", "8210", "debit", "US"),
    "tok_mastercard_prepaid": ("mastercard", "5100", "prepaid", "US"),
    "tok_amex": ("amex", "8431", "credit", "US"),
    "tok_discover": ("discover", "1117", "credit", "US"),
    "tok_diners": ("diners", "0004", "credit", "US"),
    "tok_jcb": ("jcb", "0505", "credit", "JP"),
    "tok_unionpay": ("unionpay", "0005", "credit", "CN"),
    "tok_gb": ("visa", "0002", "credit", "GB"),
    "tok_de": ("visa", "0000", "credit", "DE"),
    "tok_jp": ("visa", "0003", "credit", "JP"),
    "tok_cartes_bancaires": ("cartes_bancaires", "1001", "credit", "FR"),
    "tok_eftpos_au": ("eftpos_au", "0006", "debit", "AU"),
}
# Stripe's decline test tokens: the charge is stored as failed and the API answers 402.
DECLINE_TOKENS = {
    "tok_chargeDeclined": "generic_decline",
    "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "tok_chargeDeclinedLostCard": "lost_card",
    "tok_chargeDeclinedExpiredCard": "expired_card",
    "tok_chargeDeclinedIncorrectCvc": "incorrect_cvc",
    "tok_chargeDeclinedProcessingError": "processing_error",
}
# Sandbox convention (not a Stripe token): the charge is created `pending` and stays so
# until POST /_sandbox/charges/{id}/succeed.
PENDING_TOKEN = "tok_sandbox_pending"  # noqa: S105 - a test token name

REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
DISPUTE_REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
OPEN_DISPUTE = ("needs_response", "under_review", "warning_needs_response", "warning_under_review")


@dataclass(frozen=True)
class Origin:
    """The API request behind a change, for the event's ``request`` field."""

    request_id: str | None = None
    idempotency_key: str | None = None


CONTROL = Origin()


def _dumps(obj: Obj) -> bytes:
    return orjson.dumps(obj)


class Writer:
    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry

    def _ids(self, dataset: Dataset) -> IdMaker:
        return IdMaker(self.registry.accounts[dataset.account].tag)

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
        self.store.insert(
            "events", [(dataset.ds, event["created"], event["id"], type_, _dumps(event))]
        )

    def _txn(
        self,
        dataset: Dataset,
        created: int,
        *,
        amount: int,
        currency: str,
        fee: int,
        type_: str,
        category: str,
        source: str,
        description: str | None,
        fee_description: str = "Stripe processing fees",
    ) -> Obj:
        avail = generate.available_on(created)
        obj = objects.balance_transaction(
            self._ids(dataset).make("txn"),
            created,
            amount=amount,
            currency=currency,
            fee=fee,
            type=type_,
            reporting_category=category,
            source=source,
            available_on=avail,
            status="available" if avail <= created else "pending",
            description=description,
            fee_description=fee_description,
        )
        self.store.insert(
            "balance_transactions",
            [(dataset.ds, created, obj["id"], type_, source, currency, None, _dumps(obj))],
        )
        self.store.add_balance([(dataset.ds, currency, avail, amount - fee)])
        return obj

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

    # -- customers ------------------------------------------------------------------------

    def create_customer(self, dataset: Dataset, params: Obj, origin: Origin) -> Obj:
        created = int(time.time())
        ids = self._ids(dataset)
        obj = objects.customer(
            ids.customer(),
            created,
            dataset.livemode,
            name=_optional_str(params, "name"),
            email=_optional_str(params, "email"),
            invoice_prefix=ids.short(8).upper(),
            description=_optional_str(params, "description"),
            phone=_optional_str(params, "phone"),
            metadata=_metadata(params),
        )
        with self.store.transaction():
            self.store.insert(
                "customers", [(dataset.ds, created, obj["id"], obj["email"], _dumps(obj))]
            )
            self._emit(dataset, "customer.created", obj, origin)
        return obj

    # -- charges --------------------------------------------------------------------------

    def create_charge(self, dataset: Dataset, params: Obj, origin: Origin) -> Obj:
        amount = _positive_int(params, "amount")
        currency = _required_str(params, "currency").lower()
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
        customer_id = _optional_str(params, "customer")
        customer: Obj | None = None
        if customer_id:
            customer = self._load("customers", dataset, customer_id, "customer", "customer")
        source = _optional_str(params, "source")
        if source is None:
            if customer is None:
                raise errors.invalid_request(
                    "Must provide source or customer.", param="source", code="parameter_missing"
                )
            source = "tok_visa"  # a sandbox customer's default card
        decline = DECLINE_TOKENS.get(source)
        if source in TOKENS:
            brand, last4, funding, country = TOKENS[source]
            status = "succeeded"
        elif decline is not None:
            brand, last4, funding, country = "visa", "0002", "credit", "US"
            status = "failed"
        elif source == PENDING_TOKEN:
            brand, last4, funding, country = TOKENS["tok_visa"]
            status = "pending"
        else:
            raise errors.no_such("token", source, "source")
        if params.get("capture") not in (None, "true", True):
            raise errors.invalid_request(
                "The sandbox only creates captured charges (capture=true).", param="capture"
            )
        created = int(time.time())
        ids = self._ids(dataset)
        charge_id = ids.make("ch")
        description = _optional_str(params, "description")
        card = objects.card(
            brand=brand,
            last4=last4,
            exp_month=12,
            exp_year=2034,
            country=country,
            funding=funding,
            fingerprint=ids.short(16),
            cvc_check="pass",
        )
        with self.store.transaction():
            txn_id = None
            if status == "succeeded":
                txn_id = self._txn(
                    dataset,
                    created,
                    amount=amount,
                    currency=currency,
                    fee=currencies.processing_fee(amount, currency),
                    type_="charge",
                    category="charge",
                    source=charge_id,
                    description=description,
                )["id"]
            obj = objects.charge(
                charge_id,
                created,
                dataset.livemode,
                amount=amount,
                currency=currency,
                status=status,
                customer=customer_id,
                balance_transaction=txn_id,
                card_details=card,
                payment_method="card_" + charge_id[3:],
                risk_score=20,
                description=description,
                billing_name=customer["name"] if customer else None,
                billing_email=customer["email"] if customer else None,
                decline=decline,
                receipt_email=_optional_str(params, "receipt_email"),
                metadata=_metadata(params),
            )
            self.store.insert(
                "charges", [(dataset.ds, created, charge_id, customer_id, _dumps(obj))]
            )
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
        with self.store.transaction():
            txn = self._txn(
                dataset,
                now,
                amount=charge["amount"],
                currency=charge["currency"],
                fee=currencies.processing_fee(charge["amount"], charge["currency"]),
                type_="charge",
                category="charge",
                source=charge_id,
                description=charge["description"],
            )
            charge.update(status="succeeded", paid=True, balance_transaction=txn["id"])
            self.store.update_body("charges", charge_id, _dumps(charge))
            self._emit(dataset, "charge.succeeded", charge, CONTROL)
        return charge

    # -- refunds --------------------------------------------------------------------------

    def create_refund(self, dataset: Dataset, params: Obj, origin: Origin) -> Obj:
        if params.get("payment_intent") is not None:
            raise errors.invalid_request(
                "The sandbox refunds charges only; pass `charge`.", param="payment_intent"
            )
        charge_id = _required_str(params, "charge")
        charge = self._load("charges", dataset, charge_id, "charge", "charge")
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
        amount = remaining if params.get("amount") is None else _positive_int(params, "amount")
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
        reason = _optional_str(params, "reason")
        if reason is not None and reason not in REFUND_REASONS:
            raise errors.invalid_request(
                f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}", param="reason"
            )
        created = int(time.time())
        refund_id = self._ids(dataset).make("re")
        with self.store.transaction():
            txn = self._txn(
                dataset,
                created,
                amount=-amount,
                currency=currency,
                fee=0,
                type_="refund",
                category="refund",
                source=refund_id,
                description="REFUND FOR CHARGE",
            )
            refund = objects.refund(
                refund_id,
                created,
                amount=amount,
                charge=charge_id,
                currency=currency,
                status="succeeded",
                reason=reason,
                balance_transaction=txn["id"],
                metadata=_metadata(params),
            )
            self.store.insert(
                "refunds", [(dataset.ds, created, refund_id, charge_id, _dumps(refund))]
            )
            previous: Obj = {"amount_refunded": charge["amount_refunded"]}
            charge["amount_refunded"] += amount
            refunded = charge["amount_refunded"] >= charge["amount"]
            if refunded != charge["refunded"]:
                previous["refunded"] = charge["refunded"]
                charge["refunded"] = refunded
            self.store.update_body("charges", charge_id, _dumps(charge))
            self._emit(dataset, "charge.refunded", charge, origin, previous)
            self._emit(dataset, "refund.created", refund, origin)
        return refund

    def _charged_back(self, dataset: Dataset, charge_id: str) -> bool:
        for body in self.store.page(
            "disputes", dataset.ds, [("charge = ?", [charge_id])], None, False, 10
        ):
            dispute = orjson.loads(body)
            if not dispute["is_charge_refundable"] and dispute["status"] != "won":
                return True
        return False

    # -- disputes (control) ---------------------------------------------------------------

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
        if reason not in DISPUTE_REASONS:
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
        now = int(time.time())
        dispute_id = self._ids(dataset).make("dp")
        inquiry = status.startswith("warning_")
        with self.store.transaction():
            txns: list[Obj] = []
            if not inquiry:
                txns.append(
                    generate.dispute_withdrawal(
                        functools.partial(self._txn, dataset),
                        now,
                        dispute_id,
                        charge_id,
                        amount,
                        charge["currency"],
                    )
                )
            brand = charge["payment_method_details"]["card"]["brand"]
            dispute = objects.dispute(
                dispute_id,
                now,
                dataset.livemode,
                amount=amount,
                charge=charge_id,
                currency=charge["currency"],
                status=status,
                reason=reason,
                balance_transactions=txns,
                brand=brand,
                due_by=(now // generate.DAY + 8) * generate.DAY - 1,
                is_charge_refundable=inquiry,
            )
            self.store.insert(
                "disputes", [(dataset.ds, now, dispute_id, charge_id, _dumps(dispute))]
            )
            charge["disputed"] = True
            self.store.update_body("charges", charge_id, _dumps(charge))
            self._emit(dataset, "charge.dispute.created", dispute, CONTROL)
            if not inquiry:
                self._emit(dataset, "charge.dispute.funds_withdrawn", dispute, CONTROL)
        return dispute

    def close_dispute(self, dispute_id: str, outcome: str) -> Obj:
        if outcome not in ("won", "lost"):
            raise errors.invalid_request("outcome must be won or lost", param="outcome")
        dataset, dispute = self._find("disputes", dispute_id, "dispute")
        previous_status = dispute["status"]
        if previous_status not in OPEN_DISPUTE:
            raise errors.invalid_request(
                f"Dispute {dispute_id} is already closed ({previous_status}).", param="dispute"
            )
        inquiry = previous_status.startswith("warning_")
        now = int(time.time())
        with self.store.transaction():
            if inquiry:
                dispute["status"] = "warning_closed"
            else:
                dispute["status"] = outcome
                if outcome == "won":
                    dispute["balance_transactions"].append(
                        generate.dispute_reversal(
                            functools.partial(self._txn, dataset),
                            now,
                            dispute_id,
                            dispute["charge"],
                            dispute["amount"],
                            dispute["currency"],
                        )
                    )
            self.store.update_body("disputes", dispute_id, _dumps(dispute))
            self._emit(
                dataset, "charge.dispute.closed", dispute, CONTROL, {"status": previous_status}
            )
            if dispute["status"] == "won":
                self._emit(dataset, "charge.dispute.funds_reinstated", dispute, CONTROL)
        return dispute


# -- parameter helpers ----------------------------------------------------------------------


def _optional_str(params: Obj, name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise errors.invalid_request(f"Invalid string: {value!r}", param=name)
    return value


def _required_str(params: Obj, name: str) -> str:
    value = _optional_str(params, name)
    if value is None:
        raise errors.missing_parameter(name)
    return value


def _positive_int(params: Obj, name: str) -> int:
    value = _required_str(params, name)
    try:
        number = int(value)
    except ValueError:
        raise errors.invalid_integer(name, value) from None
    if number <= 0:
        raise errors.invalid_request("Invalid positive integer", param=name)
    return number


def _metadata(params: Obj) -> dict[str, str]:
    value = params.get("metadata")
    if value is None or value == "":
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise errors.invalid_request(
            "Invalid metadata: must be a hash of strings", param="metadata"
        )
    return {str(k): v for k, v in value.items()}
