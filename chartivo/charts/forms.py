from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from chartivo.charts.models import COMPARE_CHOICES, RANGE_LABELS, Chart
from chartivo.charts.query import (
    SPEC_FIELDS,
    ChartSpec,
    ResolvedSpec,
    SpecError,
    ViewRange,
    build_spec,
    resolve,
    with_range,
)
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.metrics.periods import Granularity, canonical_zone
from chartivo.metrics.windows import MAX_PERIODS


def measure_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for metric in METRICS.values():
        for measure in metric.measures:
            seen.setdefault(measure.key, measure.label)
    return list(seen.items())


def breakdown_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {"": "None"}
    for metric in METRICS.values():
        for breakdown in metric.breakdowns:
            seen.setdefault(breakdown.key, breakdown.label)
    return list(seen.items())


class ZoneField(forms.CharField):
    """An IANA zone, typed in any case ("europe/paris"), stored as tzdata spells it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value).strip()
        if not text:
            return ""
        name = canonical_zone(text)
        if name is None:
            raise forms.ValidationError(
                f"Unknown time zone “{text[:64]}”: pick one from the list, such as Europe/Paris."
            )
        return name


class ChartForm(forms.ModelForm[Chart]):
    """New Chart and Edit chart. The measure and breakdown lists hold every metric's
    options; the page's script shows the chosen metric's, and ``clean`` refuses any other."""

    metric = forms.ChoiceField(
        choices=Chart.METRIC_CHOICES, widget=forms.RadioSelect, label="Metric"
    )
    measure = forms.ChoiceField(choices=measure_choices, label="Show")
    breakdown = forms.ChoiceField(choices=breakdown_choices, required=False, label="Break down by")
    custom_start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    custom_end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    time_zone = ZoneField(initial="UTC", label="Time zone", required=False)

    class Meta:
        model = Chart
        fields = (*SPEC_FIELDS, "chart_type", "name")
        labels = {
            "range_preset": "Date range",
            "granularity": "Granularity",
            "compare": "Compare with",
            "chart_type": "Chart type",
            "name": "Chart name",
        }
        widgets = {"chart_type": forms.RadioSelect}

    def __init__(
        self,
        *args: Any,
        dashboard: ViewRange | None = None,
        accounts: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # With several Stripe accounts, which one the chart draws ("All accounts" first).
        if accounts:
            saved = self.instance.connection_id if self.instance else None
            self.fields["account"] = forms.ChoiceField(
                choices=accounts,
                required=False,
                label="Stripe account",
                initial=str(saved) if saved else accounts[0][0],
            )
        self.fields["name"].required = False
        self.fields["compare"].required = False  # no comparison unless one is chosen
        self.dashboard = dashboard
        self.resolved: ResolvedSpec | None = None

    def spec(self) -> ChartSpec:
        return build_spec(self.cleaned_data)

    def account_id(self) -> int | None:
        """The chosen account's id; None for "All accounts" (or a single account)."""
        chosen = str(self.cleaned_data.get("account") or "")
        return int(chosen) if chosen.isdigit() else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        spec = self.spec()
        # A chart that follows the dashboard is drawn at the granularity nearest its own
        # that fits whatever range the dashboard shows: any granularity may be saved.
        follows = spec.follows_dashboard
        if follows and self.dashboard is not None:
            spec = with_range(spec, self.dashboard)
        try:
            resolved = resolve(spec, now=timezone.now())
        except SpecError as error:
            raise forms.ValidationError(str(error)) from None
        asked = Granularity(cleaned["granularity"])
        if not follows and asked not in resolved.granularities:
            offered = ", ".join(g.value for g in resolved.granularities)
            self.add_error(
                "granularity",
                f"By {asked.value}, this range has a single period or more than {MAX_PERIODS}: "
                f"choose {offered}.",
            )
        self.resolved = resolved
        if not cleaned.get("name"):
            cleaned["name"] = METRICS[cleaned["metric"]].label
        cleaned["compare"] = cleaned.get("compare") or "none"
        # Stored as tzdata spells it; a chart that follows the dashboard keeps its own for
        # when it stops following.
        cleaned["time_zone"] = cleaned.get("time_zone") or "UTC" if follows else resolved.zone.key
        return cleaned


class ViewRangeForm(forms.Form):
    """A range, zone and comparison from an address: ``?range=last_7_days&tz=…&compare=…``
    (custom: ``from=YYYY-MM-DD&to=YYYY-MM-DD``), as Home and chart pages take them."""

    range = forms.ChoiceField(choices=RANGE_LABELS, required=False, label="Date range")
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    tz = ZoneField(required=False, label="Time zone")
    compare = forms.ChoiceField(choices=COMPARE_CHOICES, required=False, label="Compare with")

    def __init__(self, data: Mapping[str, str], *, prefix: str = "", **kwargs: Any) -> None:
        # The address says "from" and "to", which are not Python names.
        renamed = {
            ("start" if k == "from" else "end" if k == "to" else k): v for k, v in data.items()
        }
        super().__init__(renamed, **kwargs)

    def view_range(self, default: ViewRange) -> ViewRange:
        """The address's range over ``default`` (the remembered one) field by field: a
        field that is not valid (a misspelt zone) falls back alone, and ``problems`` says
        so; the others still apply."""
        self.is_valid()  # cleans each field; those that fail are left out of cleaned_data
        data = self.cleaned_data
        preset = data.get("range") or default.range_preset
        start: date | None = data.get("start") or default.custom_start
        end: date | None = data.get("end") or default.custom_end
        return ViewRange(
            preset,
            start if preset == "custom" else None,
            end if preset == "custom" else None,
            data.get("tz") or default.time_zone,
            data.get("compare") or default.compare,
        )

    def problems(self, shown: ViewRange) -> list[str]:
        """What of the address could not be used, in plain words, and what is shown
        instead: never a different view without a word."""
        if not self.given() or self.is_valid():
            return []
        instead = {
            "tz": shown.time_zone,
            "range": dict(RANGE_LABELS).get(shown.range_preset, shown.range_preset),
            "compare": dict(COMPARE_CHOICES).get(shown.compare, shown.compare),
        }
        said = {name: " ".join(str(e) for e in errors) for name, errors in self.errors.items()}
        return [
            f"{words} Showing {instead[name]} instead." if name in instead else words
            for name, words in said.items()
        ]

    def given(self) -> bool:
        return any(self.data.get(k) for k in ("range", "tz", "compare", "start", "end"))
