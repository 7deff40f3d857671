from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from chartivo.charts.models import Chart
from chartivo.charts.query import ChartSpec, ResolvedSpec, SpecError, resolve
from chartivo.integrations.stripe.catalogue import METRICS


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


class ChartForm(forms.ModelForm[Chart]):
    """New Chart. The measure and breakdown lists hold every metric's options; the page's
    script shows the chosen metric's, and ``clean`` refuses any other."""

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
    time_zone = forms.CharField(
        max_length=64,
        initial="UTC",
        label="Time zone",
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )

    class Meta:
        model = Chart
        fields = (
            "metric",
            "measure",
            "breakdown",
            "range_preset",
            "custom_start",
            "custom_end",
            "granularity",
            "time_zone",
            "chart_type",
            "name",
        )
        labels = {
            "range_preset": "Date range",
            "granularity": "Granularity",
            "chart_type": "Chart type",
            "name": "Chart name",
        }
        widgets = {"chart_type": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.resolved: ResolvedSpec | None = None

    def spec(self) -> ChartSpec:
        data = self.cleaned_data
        return ChartSpec(
            metric=data.get("metric", ""),
            measure=data.get("measure", ""),
            breakdown=data.get("breakdown") or "",
            range_preset=data.get("range_preset", ""),
            custom_start=data.get("custom_start"),
            custom_end=data.get("custom_end"),
            granularity=data.get("granularity", ""),
            time_zone=(data.get("time_zone") or "UTC").strip(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            resolved = resolve(self.spec(), now=timezone.now())
        except SpecError as error:
            raise forms.ValidationError(str(error)) from None
        self.resolved = resolved
        cleaned["time_zone"] = resolved.zone.key
        if not cleaned.get("name"):
            metric = METRICS[cleaned["metric"]]
            cleaned["name"] = metric.label
        return cleaned
