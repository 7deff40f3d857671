"""Every metric of docs/metrics.md, computed a second time, slowly and independently.

The golden tests compare the app's charts with this module. It reads the raw objects
through the official SDK, as a merchant's own script would, and states each metric
straight from the table of docs/metrics.md. Nothing here imports Chartivo (no catalogue,
aggregation, periods, series or money code), so a mistake there cannot cancel out; the
only names shared with the app are the keys of the New Chart form (``"charges"``,
``"brand"``…), which are its interface.

Time is done with the calendar, not with offsets or buckets: an object belongs to the
period holding ``datetime.fromtimestamp(created, zone)``; periods start at local midnight
of the date, of the ISO week's Monday or of the first of the month, or at the local hour
(an hour that a fall-back night repeats is two periods, told apart by their UTC offset).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import stripe

Obj = Mapping[str, Any]
Kind = Literal["count", "amount"]
GRANULARITIES = ("hour", "day", "week", "month")
# Every UTC offset in use is a multiple of 15 minutes, so every period boundary of the
# zones tested falls on one of these steps: labelling each step finds every period.
STEP_SECONDS = 15 * 60


# --- the raw objects ----------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Every object of one Stripe account, as the plain dicts Stripe sent."""

    objects: dict[str, list[dict[str, Any]]]
    # Per chart definition, what each object adds to it (it does not depend on time).
    _contributions: dict[Definition, list[tuple[int, str, str, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __getitem__(self, source: str) -> list[dict[str, Any]]:
        return self.objects[source]

    def contributions(self, definition: Definition) -> list[tuple[int, str, str, int]]:
        """(created, currency, series, value) for every object feeding ``definition``."""
        found = self._contributions.get(definition)
        if found is None:
            found = self._contributions[definition] = [
                (placed_at(source, obj), currency, series, value)
                for source, contribute in definition.parts
                for obj in self.objects[source]
                for currency, series, value in contribute(obj)
            ]
        return found


def placed_at(source: str, obj: Obj) -> int:
    """What places an object in a period: a payout's arrival date, others' ``created``."""
    return int(obj["arrival_date"] if source == "payouts" else obj["created"])


def list_everything(api_base: str, key: str) -> Snapshot:
    """Lists every object of every source through the SDK, following every page."""
    client = stripe.StripeClient(key, base_addresses={"api": api_base})
    services: dict[str, Any] = {
        "charges": client.v1.charges,
        "customers": client.v1.customers,
        "refunds": client.v1.refunds,
        "disputes": client.v1.disputes,
        "balance_transactions": client.v1.balance_transactions,
        "payouts": client.v1.payouts,
    }
    return Snapshot(
        {
            source: [obj.to_dict() for obj in service.list({"limit": 100}).auto_paging_iter()]
            for source, service in services.items()
        }
    )


# --- one definition per chart a user can ask for (docs/metrics.md) ------------------------

# What one object adds to a chart: (currency, series, value). The series is the breakdown
# value, or a fixed name for the metric's own series.
Contribution = tuple[str, str, int]
Contribute = Callable[[Obj], Iterator[Contribution]]

# Balance-transaction reporting categories that make up net volume and fees.
NET_VOLUME_CATEGORIES = frozenset(
    {
        "charge",
        "refund",
        "dispute",
        "dispute_reversal",
        "partial_capture_reversal",
        "refund_failure",
    }
)


@dataclass(frozen=True)
class Definition:
    """One chart: metric, measure and breakdown keys as the New Chart form sends them."""

    metric: str
    measure: str
    breakdown: str
    kind: Kind
    parts: tuple[tuple[str, Contribute], ...]  # (source, what each of its objects adds)

    @property
    def id(self) -> str:
        return "-".join(p for p in (self.metric, self.measure, self.breakdown) if p)


def _everything(obj: Obj) -> bool:
    return True


def _succeeded(charge: Obj) -> bool:
    return bool(charge["status"] == "succeeded")


def _refund_counts(refund: Obj) -> bool:
    return refund["status"] not in ("failed", "canceled")


def _in_net_volume(txn: Obj) -> bool:
    return txn["reporting_category"] in NET_VOLUME_CATEGORIES


def _one(obj: Obj) -> int:
    return 1


def _field(name: str) -> Callable[[Obj], int]:
    return lambda obj: int(obj[name])


def _text(name: str) -> Callable[[Obj], str]:
    """A breakdown value; a missing one (no refund reason) is its own series, ""."""
    return lambda obj: str(obj.get(name) or "")


def _fixed(name: str) -> Callable[[Obj], str]:
    return lambda obj: name


def _brand(charge: Obj) -> str:
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return str(card.get("brand") or "")


_UNSPLIT = _fixed("")  # the series of a chart without a breakdown


def _measure(
    *,
    keep: Callable[[Obj], bool] = _everything,
    value: Callable[[Obj], int],
    series: Callable[[Obj], str] = _UNSPLIT,
    per_currency: bool = True,
) -> Contribute:
    def contribute(obj: Obj) -> Iterator[Contribution]:
        if keep(obj):
            currency = str(obj["currency"]).lower() if per_currency else ""
            yield currency, series(obj), value(obj)

    return contribute


COUNT_AND_AMOUNT: tuple[tuple[str, Kind, Callable[[Obj], int]], ...] = (
    ("amount", "amount", _field("amount")),
    ("count", "count", _one),
)


def _definitions() -> Iterator[Definition]:
    def chart(metric: str, measure: str, breakdown: str, kind: Kind, *parts: Any) -> Definition:
        return Definition(metric, measure, breakdown, kind, tuple(parts))

    # Charges: count and amount of succeeded charges. By status shows every status (that
    # is the breakdown's point); by card brand splits the succeeded ones.
    for measure, kind, value in COUNT_AND_AMOUNT:
        ok = ("charges", _measure(keep=_succeeded, value=value))
        yield chart("charges", measure, "", kind, ok)
        by_status = ("charges", _measure(value=value, series=_text("status")))
        yield chart("charges", measure, "status", kind, by_status)
        by_brand = ("charges", _measure(keep=_succeeded, value=value, series=_brand))
        yield chart("charges", measure, "brand", kind, by_brand)

    # Customers: new customers, not per currency.
    customers = ("customers", _measure(value=_one, per_currency=False))
    yield chart("customers", "count", "", "count", customers)

    # Revenue: gross volume is the amount captured of succeeded charges; net volume and
    # fees add up balance transactions of the revenue categories. Broken down into its
    # components, the three are drawn side by side whichever was picked.
    gross = (
        "charges",
        _measure(keep=_succeeded, value=_field("amount_captured"), series=_fixed("gross")),
    )
    net = (
        "balance_transactions",
        _measure(keep=_in_net_volume, value=_field("net"), series=_fixed("net")),
    )
    fees = (
        "balance_transactions",
        _measure(keep=_in_net_volume, value=_field("fee"), series=_fixed("fees")),
    )
    for measure, part in (("gross", gross), ("net", net), ("fees", fees)):
        yield chart("revenue", measure, "", "amount", part)
        yield chart("revenue", measure, "components", "amount", gross, net, fees)

    # Refunds: failed and canceled ones excluded; by reason (of those), or by status
    # (every status, as for charges).
    for measure, kind, value in COUNT_AND_AMOUNT:
        counted = ("refunds", _measure(keep=_refund_counts, value=value))
        yield chart("refunds", measure, "", kind, counted)
        by_reason = ("refunds", _measure(keep=_refund_counts, value=value, series=_text("reason")))
        yield chart("refunds", measure, "reason", kind, by_reason)
        by_status = ("refunds", _measure(value=value, series=_text("status")))
        yield chart("refunds", measure, "status", kind, by_status)

    # Disputes: every dispute, by the time it was opened; by status or by reason.
    for measure, kind, value in COUNT_AND_AMOUNT:
        yield chart("disputes", measure, "", kind, ("disputes", _measure(value=value)))
        for breakdown in ("status", "reason"):
            split = ("disputes", _measure(value=value, series=_text(breakdown)))
            yield chart("disputes", measure, breakdown, kind, split)

    # Balance transactions: every one, its amount, fee or net; by reporting category.
    for measure, kind, value in (
        ("amount", "amount", _field("amount")),
        ("net", "amount", _field("net")),
        ("fee", "amount", _field("fee")),
        ("count", "count", _one),
    ):
        every = ("balance_transactions", _measure(value=value))
        yield chart("balance_transactions", measure, "", kind, every)
        by_category = (
            "balance_transactions",
            _measure(value=value, series=_text("reporting_category")),
        )
        yield chart("balance_transactions", measure, "category", kind, by_category)


DEFINITIONS: tuple[Definition, ...] = tuple(_definitions())


# --- time: ranges and periods from the calendar -------------------------------------------


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Midnight starting ``day`` in ``zone`` (the zones tested have one every day)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    again = midnight.astimezone(UTC).astimezone(zone)
    assert again.replace(tzinfo=None) == midnight.replace(tzinfo=None), (
        f"{zone.key} skips midnight on {day}: this reference does not cover that"
    )
    return midnight


def last_days_range(days: int, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """ "Last N days": from local midnight N-1 days before today, to now."""
    today = now.astimezone(zone).date()
    return local_midnight(today - timedelta(days=days - 1), zone), now


def custom_range(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Custom: the whole local days ``first`` to ``last``."""
    return local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)


Label = tuple[Any, ...]


def label_of(moment: datetime, granularity: str) -> Label:
    """The calendar identity of the period holding ``moment`` (aware, in the chart's zone)."""
    day = moment.date()
    if granularity == "hour":
        return (day, moment.hour, moment.utcoffset())
    if granularity == "day":
        return (day,)
    if granularity == "week":
        return (day - timedelta(days=day.weekday()),)  # ISO weeks start on Monday
    if granularity == "month":
        return (day.replace(day=1),)
    raise ValueError(granularity)


@functools.cache
def label_at(unix_seconds: int, zone: ZoneInfo, granularity: str) -> Label:
    """``label_of`` an instant; remembered, as every chart asks about the same instants."""
    return label_of(datetime.fromtimestamp(unix_seconds, zone), granularity)


def start_of(label: Label, zone: ZoneInfo, granularity: str) -> datetime:
    """Where the period called ``label`` starts, from the calendar alone."""
    if granularity != "hour":
        return local_midnight(label[0], zone)
    day, hour, offset = label
    for fold in (0, 1):  # the hour a fall-back night repeats is fold=1 the second time
        wall = datetime(day.year, day.month, day.day, hour, tzinfo=zone, fold=fold)
        if wall.utcoffset() == offset:
            return wall
    raise AssertionError(f"no local hour {label} in {zone.key}")


@dataclass
class Calendar:
    """The periods of one chart window [start, end), and which one each instant is in."""

    zone: ZoneInfo
    granularity: str
    start: datetime
    end: datetime
    periods: list[datetime] = field(init=False)
    _index: dict[Label, int] = field(init=False)
    _lo: float = field(init=False)
    _hi: float = field(init=False)

    def __post_init__(self) -> None:
        # Whole seconds, as Stripe's ``created``: a range that ends now ends at the second
        # now is in, so an hour that began 0.1 s ago has no instant in it yet.
        self._lo, self._hi = self.start.timestamp(), math.floor(self.end.timestamp())
        self._index, self.periods = {}, []
        t = int(self._lo)
        assert t == self._lo and t % STEP_SECONDS == 0, "windows start on a 15-minute step"
        while t < self._hi:
            label = label_at(t, self.zone, self.granularity)
            if label not in self._index:
                self._index[label] = len(self.periods)
                self.periods.append(start_of(label, self.zone, self.granularity))
            t += STEP_SECONDS

    def index(self, created: int) -> int | None:
        """The period of an object created at Unix time ``created``; None outside."""
        if not self._lo <= created < self._hi:
            return None
        return self._index[label_at(created, self.zone, self.granularity)]


SeriesKey = tuple[str, str]  # (currency, series)


@dataclass(frozen=True)
class ReferenceChart:
    periods: list[datetime]
    kind: Kind
    # One series per currency and series that any object in the window fed, even if its
    # values add up to zero (the fees of refunds are 0, yet there were refunds).
    series: dict[SeriesKey, list[int]]


def compute(definition: Definition, snapshot: Snapshot, calendar: Calendar) -> ReferenceChart:
    size = len(calendar.periods)
    series: dict[SeriesKey, list[int]] = {}
    for created, currency, name, value in snapshot.contributions(definition):
        index = calendar.index(created)
        if index is None:
            continue
        values = series.get((currency, name))
        if values is None:
            values = series[currency, name] = [0] * size
        values[index] += value
    return ReferenceChart(list(calendar.periods), definition.kind, series)


# --- money, as Stripe documents it (https://docs.stripe.com/currencies) -------------------

ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def decimals(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def major_units(minor: int, currency: str) -> str:
    """``minor`` in major units with the currency's decimals: 123450 USD -> "1234.50"."""
    places = decimals(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"
