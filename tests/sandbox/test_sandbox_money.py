"""Stripe's money as it really is, on an account that settles in US dollars and sells in
dollars, euros, yen, dinars and more: every balance transaction in dollars at the day's
rate with Stripe's rounding, payouts that tie out to the transactions they settled, the
events of the last 30 days, bank debits and partial captures — all validating against
Stripe's schemas. Expected figures are recomputed here from each object's own fields."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import stripe
from jsonschema import Draft202012Validator

from stripe_sandbox.testing import CreatedAccount, SandboxError, SandboxProcess

from .test_sandbox_contract import OBJECT, check, list_envelope

END = 1_790_000_000  # a fixed window end, so that the account's history is the same each run
DAY = 86_400
DECIMALS = {"jpy": 0, "kwd": 3}  # the currencies generated here; the others have 2


def stripe_round(value: Decimal, currency: str) -> int:
    """To the nearest minor unit, half up; three-decimal currencies end in 0."""
    if DECIMALS.get(currency) == 3:
        return int((value / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 10
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def converted(amount: int, source: str, target: str, rate: float) -> int:
    """``amount`` of ``source`` in ``target`` at ``rate`` (major units to major units)."""
    scale = DECIMALS.get(target, 2) - DECIMALS.get(source, 2)
    value = Decimal(abs(amount)).scaleb(scale) * Decimal(repr(rate))
    result = stripe_round(value, target)
    return result if amount >= 0 else -result


@pytest.fixture(scope="module")
def usd(sandbox: SandboxProcess) -> CreatedAccount:
    return sandbox.control.create_account(
        seed="money-usd",
        charges=2500,
        days=50,
        end=END,
        modes=["test"],
        settlement_currencies=["usd"],
    )


@pytest.fixture(scope="module")
def objects_of(usd: CreatedAccount, sandbox: SandboxProcess) -> dict[str, list[dict[str, Any]]]:
    """Every object of the account, read with the official SDK's auto-paging."""
    client = stripe.StripeClient(usd.keys["secret"], base_addresses={"api": sandbox.api_base})
    out: dict[str, list[dict[str, Any]]] = {}
    for endpoint in OBJECT:
        service = getattr(client.v1, endpoint)
        out[endpoint] = [o.to_dict() for o in service.list({"limit": 100}).auto_paging_iter()]
    return out


def _sources(objects_of: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {
        o["id"]: o
        for endpoint in ("charges", "refunds", "disputes", "payouts")
        for o in objects_of[endpoint]
    }


def test_every_balance_transaction_is_in_usd_at_the_day_rate(objects_of):
    charges = objects_of["charges"]
    assert {"usd", "eur", "jpy", "kwd"} <= {c["currency"] for c in charges}
    sources = _sources(objects_of)
    refunds = {r["id"]: r for r in objects_of["refunds"]}
    seen: Counter[str] = Counter()
    for txn in objects_of["balance_transactions"]:
        assert txn["currency"] == "usd"
        assert txn["net"] == txn["amount"] - txn["fee"]
        assert txn["fee"] == sum(f["amount"] for f in txn["fee_details"])
        assert {f["currency"] for f in txn["fee_details"]} <= {"usd"}
        source = sources[txn["source"]]
        presented = source["currency"]
        if txn["type"] in ("payout", "payout_failure"):
            continue
        amount = source["amount"]
        if txn["type"] in ("refund", "payment_refund", "payment_failure_refund"):
            amount = -amount
        if txn["reporting_category"] == "dispute":
            amount = -amount
        if txn["source"] in refunds and txn["type"] == "refund_failure":
            amount = refunds[txn["source"]]["amount"]
        if presented == "usd":
            assert txn["exchange_rate"] is None and txn["amount"] == amount
            continue
        seen[presented] += 1
        assert txn["exchange_rate"] is not None, txn
        assert txn["amount"] == converted(amount, presented, "usd", txn["exchange_rate"]), txn
        if txn["reporting_category"] == "charge":
            lines = {f["description"] for f in txn["fee_details"]}
            assert "Stripe currency conversion fee" in lines, txn
    assert {"eur", "jpy", "kwd"} <= set(seen)


def test_one_rate_a_day_and_refunds_convert_at_their_own_day(objects_of):
    charges = {c["id"]: c for c in objects_of["charges"]}
    refunds = {r["id"]: r for r in objects_of["refunds"]}
    rates: dict[tuple[str, int], set[float]] = defaultdict(set)
    txns = objects_of["balance_transactions"]
    by_id = {t["id"]: t for t in txns}
    for txn in txns:
        source = charges.get(txn["source"]) or refunds.get(txn["source"])
        if txn["exchange_rate"] is not None and source is not None:
            rates[(source["currency"], txn["created"] // DAY)].add(txn["exchange_rate"])
    assert rates and all(len(found) == 1 for found in rates.values())
    later = 0
    for refund in refunds.values():
        charge = charges[refund["charge"]]
        if refund["balance_transaction"] is None or charge["balance_transaction"] is None:
            continue
        own, original = by_id[refund["balance_transaction"]], by_id[charge["balance_transaction"]]
        if own["exchange_rate"] is None:
            continue
        (rate,) = rates[(charge["currency"], own["created"] // DAY)]
        assert own["exchange_rate"] == rate
        if own["created"] // DAY != original["created"] // DAY:
            later += 1
            assert own["exchange_rate"] != original["exchange_rate"]
    assert later > 0, "no refund on a later day than its charge to check"


def _business_days_after(day: datetime, count: int) -> datetime:
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def test_payouts_tie_out_to_the_transactions_they_settled(usd, sandbox, objects_of):
    client = stripe.StripeClient(usd.keys["secret"], base_addresses={"api": sandbox.api_base})
    payouts = objects_of["payouts"]
    statuses = Counter(p["status"] for p in payouts)
    assert statuses["paid"] > 20 and statuses["in_transit"] >= 1
    swept: Counter[str] = Counter()
    for payout in payouts:
        assert payout["currency"] == "usd" and payout["automatic"] is True
        created = datetime.fromtimestamp(payout["created"], UTC)
        arrival = datetime.fromtimestamp(payout["arrival_date"], UTC)
        midnight = created.replace(hour=0, minute=0, second=0)
        assert arrival == _business_days_after(midnight, 2)
        listed = [
            t.to_dict()
            for t in client.v1.balance_transactions.list(
                {"payout": payout["id"], "limit": 100}
            ).auto_paging_iter()
        ]
        own = [t for t in listed if t["id"] == payout["balance_transaction"]]
        assert len(own) == 1 and own[0]["type"] == "payout"
        assert own[0]["amount"] == -payout["amount"]
        settled = [t for t in listed if t["id"] != payout["balance_transaction"]]
        assert sum(t["net"] for t in settled) == payout["amount"]
        assert all(t["available_on"] <= payout["created"] for t in settled)
        swept.update(t["id"] for t in settled)
    assert swept and max(swept.values()) == 1, "a transaction swept into two payouts"
    last = max(p["created"] for p in payouts)
    for txn in objects_of["balance_transactions"]:
        if txn["type"] != "payout" and txn["available_on"] + 3 * 3600 <= last:
            assert txn["id"] in swept, txn


def test_events_of_the_last_30_days_with_types_filters(usd, api_factory, objects_of):
    events = objects_of["events"]
    since = END - 30 * DAY
    assert events and all(since <= e["created"] <= END for e in events)
    types = Counter(e["type"] for e in events)
    assert {
        "customer.created",
        "charge.succeeded",
        "charge.pending",
        "charge.refunded",
        "charge.captured",
        "refund.created",
        "payout.created",
        "payout.paid",
        "payout.reconciliation_completed",
    } <= set(types)
    recent = sorted(c["id"] for c in objects_of["customers"] if c["created"] >= since)
    announced = [e["data"]["object"]["id"] for e in events if e["type"] == "customer.created"]
    assert sorted(announced) == recent
    created = {
        e["data"]["object"]["id"]
        for e in events
        if e["type"] in ("charge.succeeded", "charge.failed", "charge.pending")
        and e["created"] == e["data"]["object"]["created"]
    }
    assert created == {c["id"] for c in objects_of["charges"] if c["created"] >= since}
    api = api_factory(usd.keys["secret"])
    wanted = ["charge.refunded", "payout.paid"]
    filtered = api.all("events", **{"types[]": wanted})
    assert [e["id"] for e in filtered] == [e["id"] for e in events if e["type"] in wanted]
    charge_events = api.all("events", type="charge.*")
    assert {e["type"] for e in charge_events} == {t for t in types if t.startswith("charge.")}


def test_bank_debits_and_partial_captures(objects_of):
    txns = {t["id"]: t for t in objects_of["balance_transactions"]}
    charges = {c["id"]: c for c in objects_of["charges"]}
    debits = [c for c in charges.values() if c["payment_method_details"]["type"] != "card"]
    assert {"us_bank_account", "sepa_debit"} <= {
        c["payment_method_details"]["type"] for c in debits
    }
    for charge in debits:
        assert txns[charge["balance_transaction"]]["type"] == "payment"
        if charge["status"] == "pending":
            assert charge["paid"] is False
    reversals = [t for t in txns.values() if t["reporting_category"] == "partial_capture_reversal"]
    assert reversals
    refunds = {r["id"]: r for r in objects_of["refunds"]}
    for reversal in reversals:
        assert reversal["type"] == "refund"
        charge = charges[refunds[reversal["source"]]["charge"]]
        assert charge["amount_captured"] < charge["amount"]
        assert charge["amount_refunded"] == charge["amount"] - charge["amount_captured"]
        # One transaction for the whole authorisation, at capture, and the reversal with it.
        full = txns[charge["balance_transaction"]]
        assert full["created"] == reversal["created"] and full["amount"] > -reversal["amount"]


def test_everything_validates_against_stripes_schemas(
    objects_of, api_factory, usd, schema_defs, openapi
):
    api = api_factory(usd.keys["secret"])
    for endpoint, object_type in OBJECT.items():
        envelope = Draft202012Validator(
            {**list_envelope(openapi, endpoint, object_type), "$defs": schema_defs}
        )
        check(envelope, api.ok(f"/v1/{endpoint}", limit=100))
        validator = Draft202012Validator({"$ref": f"#/$defs/{object_type}", "$defs": schema_defs})
        for obj in objects_of[endpoint]:
            check(validator, obj)
    for event in objects_of["events"]:
        inner = event["data"]["object"]
        check(
            Draft202012Validator({"$ref": f"#/$defs/{inner['object']}", "$defs": schema_defs}),
            inner,
        )
    check(
        Draft202012Validator({"$ref": "#/$defs/account", "$defs": schema_defs}),
        api.ok("/v1/account"),
    )


@pytest.fixture(scope="module")
def year(sandbox: SandboxProcess) -> CreatedAccount:
    """A year of payouts: enough for some to be returned by the bank."""
    return sandbox.control.create_account(
        seed="money-year",
        charges=1500,
        days=365,
        end=END,
        modes=["test"],
        settlement_currencies=["usd"],
    )


def test_a_failed_payout_puts_its_money_back_for_the_next_one(year, api_factory):
    api = api_factory(year.keys["secret"])
    payouts = api.all("payouts")
    failed = api.all("payouts", status="failed")
    assert failed and [p for p in payouts if p["status"] == "failed"] == failed
    for payout in failed:
        assert payout["failure_code"] and payout["failure_message"]
        back = api.ok(f"/v1/balance_transactions/{payout['failure_balance_transaction']}")
        assert back["type"] == "payout_failure" and back["reporting_category"] == "payout_reversal"
        assert back["amount"] == payout["amount"] and back["created"] == payout["arrival_date"]
        later = [p for p in payouts if p["created"] > back["created"]]
        if later:
            nxt = min(later, key=lambda p: p["created"])
            assert back["id"] in {
                t["id"] for t in api.all("balance_transactions", payout=nxt["id"])
            }
        events = api.all("events", type="payout.failed")
        if payout["arrival_date"] >= END - 30 * DAY:
            assert payout["id"] in {e["data"]["object"]["id"] for e in events}


def test_several_settlement_currencies(sandbox, api_factory):
    both = sandbox.control.create_account(
        seed="money-usd-eur",
        charges=600,
        days=20,
        end=END,
        modes=["test"],
        settlement_currencies=["usd", "eur"],
    )
    api = api_factory(both.keys["secret"])
    account = api.ok("/v1/account")
    assert account["default_currency"] == "usd"
    banks = account["external_accounts"]["data"]
    assert sorted(b["currency"] for b in banks) == ["eur", "usd"]
    charges = {c["id"]: c for c in api.all("charges")}
    for txn in api.all("balance_transactions", type="charge"):
        presented = charges[txn["source"]]["currency"]
        expected = presented if presented in ("usd", "eur") else "usd"
        assert txn["currency"] == expected
        assert (txn["exchange_rate"] is None) == (presented == expected)
    balance = api.ok("/v1/balance")
    assert sorted(b["currency"] for b in balance["available"]) == ["eur", "usd"]
    payouts = api.all("payouts")
    assert {p["currency"] for p in payouts} == {"usd", "eur"}
    assert {p["destination"] for p in payouts} == {b["id"] for b in banks}


def test_without_settlement_currencies_each_charge_settles_as_itself(sandbox, api_factory):
    legacy = sandbox.control.create_account(seed="money-legacy", charges=300, days=20)
    api = api_factory(legacy.keys["secret"])
    charges = {c["id"]: c for c in api.all("charges")}
    txns = api.all("balance_transactions", type="charge")
    assert {charges[t["source"]]["currency"] for t in txns} >= {"usd", "eur", "jpy"}
    for txn in txns:
        assert txn["currency"] == charges[txn["source"]]["currency"]
        assert txn["exchange_rate"] is None
    assert api.all("events") == []
    assert api.ok("/v1/account")["default_currency"] == "usd"


def test_settlement_currencies_are_checked(sandbox):
    for wrong in (["zzz"], ["usd", "usd"], []):
        with pytest.raises(SandboxError, match="400"):
            sandbox.control.create_account(seed="wrong", charges=5, settlement_currencies=wrong)
