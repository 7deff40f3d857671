"""What the read API takes and answers, as pydantic models: django-ninja writes the OpenAPI
document (``/api/v1/openapi.json``) from these, so the document and the code cannot drift.

Parameters are the chart page's own (``range``, ``from``, ``to``, ``tz``, ``granularity``,
``compare``, ``view``, ``account``) plus the chart's definition (``metric``, ``measure``,
``breakdown``). Their lists of values come from the catalogue, so a metric added there is
offered here without a change.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict, JsonValue, field_validator, model_validator

from chartivo.charts.forms import breakdown_choices, measure_choices
from chartivo.charts.query import VIEWS
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.metrics.periods import Granularity, RangePreset
from chartivo.metrics.windows import Compare

MAX_ZONE = 64
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _listed(values: list[str]) -> dict[str, JsonValue]:
    """The field's values, in the document (and checked by ``ListedValues``)."""
    return {"enum": list(values)}


class ListedValues(Schema):
    """Parameters whose values come from a list: anything else is refused, naming the list."""

    @model_validator(mode="after")
    def _values_listed(self) -> ListedValues:
        for name, field in type(self).model_fields.items():
            extra = field.json_schema_extra
            allowed = extra.get("enum") if isinstance(extra, dict) else None
            value = getattr(self, name)
            if isinstance(allowed, list) and value is not None and value not in allowed:
                listed = ", ".join(str(v) for v in allowed if v)
                raise ValueError(f"{field.alias or name} must be one of: {listed}")
        return self


class ViewQuery(ListedValues):
    """A range, zone, comparison, currency view and account, as a chart's address has them."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    range: str | None = Field(
        None,
        json_schema_extra=_listed([p.value for p in RangePreset]),
        description="The date range (as on the page); custom needs from and to.",
    )
    from_: date | None = Field(None, alias="from", description="First day of a custom range.")
    to: date | None = Field(None, description="Last day of a custom range (included).")

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _a_calendar_day(cls, value: object) -> object:
        """YYYY-MM-DD only, as on the page: not a number of seconds, not a time."""
        if value is not None and not (isinstance(value, str) and DAY.fullmatch(value)):
            raise ValueError("must be a day written YYYY-MM-DD")
        return value

    tz: str | None = Field(
        None, max_length=MAX_ZONE, description="An IANA time zone, in any case (UTC by default)."
    )
    compare: str | None = Field(
        None,
        json_schema_extra=_listed([c.value for c in Compare]),
        description="What the range is compared with.",
    )
    view: str | None = Field(
        None,
        json_schema_extra=_listed(list(VIEWS)),
        description="Money by currency charged, or in the settlement currency; by default the one "
        "the account opens in.",
    )
    account: str | None = Field(
        None,
        max_length=20,
        description="A Stripe account's id from /api/v1/metrics, or 'all' (the default).",
    )


class SeriesQuery(ViewQuery):
    metric: str = Field(
        ...,
        json_schema_extra=_listed(list(METRICS)),
        description="The metric, from /api/v1/metrics.",
    )
    measure: str | None = Field(
        None,
        json_schema_extra=_listed([key for key, _ in measure_choices()]),
        description="What is shown of the metric (its first measure by default).",
    )
    breakdown: str | None = Field(
        None,
        json_schema_extra=_listed([key for key, _ in breakdown_choices()]),
        description="What the metric is broken down by, if any.",
    )
    granularity: str | None = Field(
        None,
        json_schema_extra=_listed([g.value for g in Granularity]),
        description="One period of the series (day by default).",
    )


class Point(Schema):
    period_start: str = Field(
        ..., description="The period's start, ISO 8601 with the zone's offset."
    )
    value: str = Field(
        ..., description="A count, or an amount in major units as a decimal string (CSV's)."
    )


class SeriesOut(Schema):
    key: str = Field(..., description="The breakdown value, or '' for the metric's total.")
    name: str
    currency: str | None = Field(..., description="ISO code, upper case; null for counts.")
    kind: Literal["amount", "count"]
    total: str
    points: list[Point]


class PendingOut(Schema):
    """In the settlement view: charges authorised, not yet captured, so not yet converted by
    Stripe; counted by currency charged, and not in the settlement figures yet."""

    currency: str
    value: str


class RangeOut(Schema):
    start: str
    end: str


class ComparedRange(Schema):
    label: str
    message: str = Field(..., description="Why there is no comparison, when there is none.")
    range: RangeOut | None


class ComparisonOut(ComparedRange):
    series: list[SeriesOut]


class SeriesResponse(Schema):
    metric: str
    measure: str
    breakdown: str
    account: str = Field(..., description="The account drawn: its id, or 'all'.")
    state: Literal["ready", "zero", "empty", "syncing"]
    message: str
    warning: str
    note: str
    zone: str
    granularity: str
    view: str
    range: RangeOut
    last_synced_at: str | None
    series: list[SeriesOut]
    comparison: ComparisonOut | None
    pending: list[PendingOut]


class MeasureOut(Schema):
    key: str
    label: str
    kind: Literal["amount", "count"]


class ChoiceOut(Schema):
    key: str
    label: str


class MetricOut(Schema):
    key: str
    label: str
    description: str
    measures: list[MeasureOut]
    breakdowns: list[ChoiceOut]


class AccountOut(Schema):
    id: str
    name: str
    mode: str


class CatalogueResponse(Schema):
    metrics: list[MetricOut]
    accounts: list[AccountOut]
    ranges: list[ChoiceOut]
    granularities: list[str]
    compare: list[ChoiceOut]
    views: list[ChoiceOut]


class HeadlineValue(Schema):
    currency: str | None
    value: str | None = Field(..., description="null where the figure has no value (—).")
    previous: str | None


class HeadlineOut(Schema):
    key: str
    label: str
    kind: Literal["amount", "count", "rate"]
    definition: str
    values: list[HeadlineValue] = Field(
        ..., description="Amounts per currency; counts and rates (in percent) once."
    )
    note: str


class HeadlinesResponse(Schema):
    account: str
    zone: str
    range: RangeOut
    cut: str = Field(..., description="Where 'so far' ends: totals are counted up to here.")
    comparison: ComparedRange | None
    view: str
    currencies: list[str]
    figures: list[HeadlineOut]
    pending: list[PendingOut]


class ErrorDetail(Schema):
    code: str
    message: str


class ErrorResponse(Schema):
    error: ErrorDetail
