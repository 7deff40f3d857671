"""Every metric of SPEC §2, computed a second time, slowly and independently.

The golden tests compare the app's charts with this module. It reads the raw objects
through the official SDK, exactly as a merchant's script would, and states each metric
straight from the SPEC's table: nothing here imports Chartivo (no catalogue, aggregation,
periods, series or money code), so a mistake there cannot cancel out against itself.

Time is done with the calendar, not with offsets: an object belongs to the period holding
``datetime.fromtimestamp(created, zone)``, and periods start at local midnight of the
date, of the ISO week's Monday, of the first of the month, or at the local hour (an hour
that a fall-back night repeats is two periods, told apart by their UTC offset).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import stripe

Obj = Mapping[str, Any]
Kind = Literal["count", "amount"]
GRANULARITIES = ("hour", "day", "week", "month")
# Every UTC offset in use is a multiple of 15 minutes, so every period boundary of every
# zone falls on one of these steps: labelling each step finds every period.
STEP = timedelta(minutes=15)

SOURCES = ("charges", "customers", "refunds", "disputes", "balance_transactions")


# --- the raw objects ----------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Every object of one Stripe account, as the plain dicts Stripe sent."""

    objects: dict[str, list[dict[str, Any]]]

    def __getitem__(self, source: str) -> list[dict[str, Any]]:
        return self.objects[source]


def list_everything(api_base: str, key: str) -> Snapshot:
    """Lists every object of every source through the SDK, following every page."""
    client = stripe.StripeClient(key, base_addresses={"api": api_base})
    services = {
        "charges": client.v1.charges,
        "customers": client.v1.customers,
        "refunds": client.v1.refunds,
        "disputes": client.v1.disputes,
        "balance_transactions": client.v1.balance_transactions,
    }
    return Snapshot(
        {
            source: [obj.to_dict() for obj in service.list({"limit": 100}).auto_paging_iter()]
            for source, service in services.items()
        }
    )


# --- SPEC §2, one definition per chart a user can ask for ---------------------------------

# What one object adds to a chart: (currency, series, value). The series is the breakdown
# value, or a fixed name for the metric's own series.
Contribution = tuple[str, str, int]
Contributions = Callable[[Obj], Iterable[Contribution]]

# Balance-transaction reporting categories that make up net volume and fees (SPEC §2).
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
    # The series that make up this chart, each reading one source.
    parts: tuple[tuple[str, Contributions], ...]

    @property
    def id(self) -> str:
        return "-".join(p for p in (self.metric, self.measure, self.breakdown) if p)


def _currency(obj: Obj) -> str:
    return str(obj["currency"]).lower()


def _brand(charge: Obj) -> str:
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return str(card.get("brand") or "")


def _succeeded(charge: Obj) -> bool:
    return charge["status"] == "succeeded"


def _refund_counts(refund: Obj) -> bool:
    return refund["status"] not in ("failed", "canceled")


def _revenue_categories(txn: Obj) -> bool:
    return txn["reporting_category"] in NET_VOLUME_CATEGORIES


def _measure(
    *,
    keep: Callable[[Obj], bool] = lambda obj: True,
    value: Callable[[Obj], int],
    series: Callable[[Obj], str] = lambda obj: "",
    currency: Callable[[Obj], str] = _currency,
) -> Contributions:
    def contributions(obj: Obj) -> Iterator[Contribution]:
        if keep(obj):
            yield currency(obj), series(obj), value(obj)

    return contributions


def _one(obj: Obj) -> int:
    return 1


def _field(name: str) -> Callable[[Obj], int]:
    return lambda obj: int(obj[name])


def _named(name: str) -> Callable[[Obj], str]:
    return lambda obj: name


def _definitions() -> list[Definition]:
    out: list[Definition] = []

    def add(metric: str, measure: str, breakdown: str, kind: Kind, *parts: Any) -> None:
        out.append(Definition(metric, measure, breakdown, kind, tuple(parts)))

    # Charges: count and amount of succeeded charges; by status (every status: that is
    # the breakdown's point), or by card brand (of the succeeded ones).
    for measure, kind, value in (("amount", "amount", _field("amount")), ("count", "count", _one)):
        add("charges", measure, "", kind, ("charges", _measure(keep=_succeeded, value=value)))
        add(
            "charges",
            measure,
            "status",
            kind,
            ("charges", _measure(value=value, series=lambda c: str(c["status"]))),
        )
        add(
            "charges",
            measure,
            "brand",
            kind,
            ("charges", _measure(keep=_succeeded, value=value, series=_brand)),
        )

    # Customers: new customers, not per currency.
    add("customers", "count", "", "count", ("customers", _measure(value=_one, currency=_named(""))))

    # Revenue: gross = amount_captured of succeeded charges; net and fees from balance
    # transactions of the revenue categories. Broken down, the three side by side.
    gross = (
        "charges",
        _measure(keep=_succeeded, value=_field("amount_captured"), series=_named("gross")),
    )
    net = (
        "balance_transactions",
        _measure(keep=_revenue_categories, value=_field("net"), series=_named("net")),
    )
    fees = (
        "balance_transactions",
        _measure(keep=_revenue_categories, value=_field("fee"), series=_named("fees")),
    )
    for measure, part in (("gross", gross), ("net", net), ("fees", fees)):
        add("revenue", measure, "", "amount", part)
        add("revenue", measure, "components", "amount", gross, net, fees)

    # Refunds: failed and canceled ones excluded; by reason (of those counted), or by
    # status (every status).
    for measure, kind, value in (("amount", "amount", _field("amount")), ("count", "count", _one)):
        add("refunds", measure, "", kind, ("refunds", _measure(keep=_refund_counts, value=value)))
        add(
            "refunds",
            measure,
            "reason",
            kind,
            (
                "refunds",
                _measure(keep=_refund_counts, value=value, series=lambda r: str(r["reason"] or "")),
            ),
        )
        add(
            "refunds",
            measure,
            "status",
            kind,
            ("refunds", _measure(value=value, series=lambda r: str(r["status"]))),
        )

    # Disputes: every dispute opened, by status or by reason.
    for measure, kind, value in (("amount", "amount", _field("amount")), ("count", "count", _one)):
        add("disputes", measure, "", kind, ("disputes", _measure(value=value)))
        for breakdown in ("status", "reason"):
            add(
                "disputes",
                measure,
                breakdown,
                kind,
                ("disputes", _measure(value=value, series=lambda d, b=breakdown: str(d[b] or ""))),
            )

    # Balance transactions: every one, with its amount, fee and net; by reporting category.
    for measure, kind, value in (
        ("amount", "amount", _field("amount")),
        ("net", "amount", _field("net")),
        ("fee", "amount", _field("fee")),
        ("count", "count", _one),
    ):
        category: Callable[[Obj], str] = lambda t: str(t["reporting_category"])  # noqa: E731
        add(
            "balance_transactions",
            measure,
            "",
            kind,
            ("balance_transactions", _measure(value=value)),
        )
        add(
            "balance_transactions",
            measure,
            "category",
            kind,
            ("balance_transactions", _measure(value=value, series=category)),
        )
    return out


DEFINITIONS: tuple[Definition, ...] = tuple(_definitions())


# --- time: ranges and periods with the calendar -------------------------------------------


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Midnight starting ``day`` in ``zone`` (the zones tested all have one every day)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    round_trip = midnight.astimezone(UTC).astimezone(zone)
    assert round_trip.replace(tzinfo=None) == midnight.replace(tzinfo=None), (
        f"{zone.key} skips midnight on {day}: this reference does not cover that"
    )
    return midnight


def last_days_range(days: int, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """ "Last N days": from local midnight N-1 days before today, to now."""
    today = now.astimezone(zone).date()
    return local_midnight(today - timedelta(days=days - 1), zone), now


def custom_range(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Custom: the local days ``first`` to ``last``, both whole."""
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
        return (date(day.year, day.month, 1),)
    raise ValueError(granularity)


def start_of(label: Label, zone: ZoneInfo, granularity: str) -> datetime:
    """Where the period called ``label`` starts, from the calendar alone."""
    if granularity != "hour":
        return local_midnight(label[0], zone)
    day, hour, offset = label
    for fold in (0, 1):  # the repeated hour of a fall-back night is fold 1 the second time
        wall = datetime(day.year, day.month, day.day, hour, tzinfo=zone, fold=fold)
        if wall.utcoffset() == offset:
            return wall
    raise AssertionError(f"no local hour {label} in {zone.key}")


@functools.lru_cache(maxsize=None)
def label_at(unix_seconds: int, zone: ZoneInfo, granularity: str) -> Label:
    """``label_of`` an instant; remembered, as every chart asks about the same instants."""
    return label_of(datetime.fromtimestamp(unix_seconds, zone), granularity)


@dataclass
class Calendar:
    """The periods of one chart window [start, end), and which one each instant falls in."""

    zone: ZoneInfo
    granularity: str
    start: datetime
    end: datetime
    periods: list[datetime] = field(init=False)
    _index: dict[Label, int] = field(init=False)
    _lo: float = field(init=False)
    _hi: float = field(init=False)

    def __post_init__(self) -> None:
        self._lo, self._hi = self.start.timestamp(), self.end.timestamp()
        self._index, self.periods = {}, []
        step = int(STEP.total_seconds())
        t = int(self._lo)
        assert t == self._lo and t % step == 0, "a window starts on a 15-minute step"
        while t < self._hi:
            label = label_at(t, self.zone, self.granularity)
            if label not in self._index:
                self._index[label] = len(self.periods)
                self.periods.append(start_of(label, self.zone, self.granularity))
            t += step

    def index(self, created: int) -> int | None:
        """The period of an object created at Unix time ``created``; None outside the window."""
        if not self._lo <= created < self._hi:
            return None
        return self._index[label_at(created, self.zone, self.granularity)]


SeriesKey = tuple[str, str]  # (currency, series)


@dataclass(frozen=True)
class ReferenceChart:
    periods: list[datetime]
    kind: Kind
    # One series per currency and series name that any object in the window fed, even if
    # its values add up to zero (a fee of 0 on every refund is still a row to show).
    series: dict[SeriesKey, list[int]]

    def totals(self) -> dict[SeriesKey, int]:
        return {key: sum(values) for key, values in self.series.items()}


def compute(definition: Definition, snapshot: Snapshot, calendar: Calendar) -> ReferenceChart:
    size = len(calendar.periods)
    series: dict[SeriesKey, list[int]] = {}
    for source, contributions in definition.parts:
        for obj in snapshot[source]:
            index = calendar.index(int(obj["created"]))
            if index is None:
                continue
            for currency, name, value in contributions(obj):
                values = series.get((currency, name))
                if values is None:
                    values = series[currency, name] = [0] * size
                values[index] += value
    return ReferenceChart(list(calendar.periods), definition.kind, series)


# --- money, as Stripe documents it (https://docs.stripe.com/currencies) -------------------

ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()  # noqa: SIM905
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def decimals(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def major_units(minor: int, currency: str) -> str:
    """``minor`` in major units with the currency's decimals: 123450 USD -> "1234.50"."""
    places = decimals(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"
