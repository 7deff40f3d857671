"""The form that adds or edits a rule, with its errors in plain words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from chartivo.alerts.conditions import UNUSUAL_WINDOWS, WINDOW_WORDS, verb_of
from chartivo.alerts.figures import HEADLINE_BY_KEY
from chartivo.alerts.models import (
    CONDITION_CHOICES,
    FALLS,
    JUDGED_BY_HISTORY,
    RISES,
    SIGNED,
    SLACK,
    UNUSUAL,
    UNUSUALLY_HIGH,
    WEBHOOK_FORMAT_CHOICES,
    WINDOW_CHOICES,
    AlertRule,
)
from chartivo.charts.dashboard import HEADLINES
from chartivo.charts.forms import ZoneField
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.money import minor_unit_exponent

ALL = ""
MOST_DAILY_CAP = 50


def account_choices(connections: list[StripeConnection]) -> list[tuple[str, str]]:
    """ "All accounts" and each account as Home's account picker names it."""
    named = [(str(c.pk), f"{c.name} ({c.mode_label})") for c in connections]
    return [(ALL, "All accounts"), *named]


class RuleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    metric = forms.ChoiceField(label="Figure", choices=[(h.key, h.label) for h in HEADLINES])
    account = forms.ChoiceField(label="Stripe account", required=False)
    currency = forms.CharField(
        label="Currency (for amounts)",
        max_length=3,
        required=False,
        help_text="The currency charged, such as USD or EUR: amounts are watched in one currency.",
    )
    condition = forms.ChoiceField(label="Alert when the figure", choices=CONDITION_CHOICES)
    threshold = forms.DecimalField(
        label="Value",
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text=(
            "In the figure's own unit: an amount in whole currency units (1500.00), a count, a "
            "rate in percent (0.9 for 0.9%). For “rises” and “falls”: a change in percent. "
            "None for “is unusual” and “is unusually high”."
        ),
    )
    window = forms.ChoiceField(label="Over", choices=WINDOW_CHOICES)
    time_zone = ZoneField(
        label="Time zone",
        required=False,
        help_text="Whose weekdays and hours “unusual” compares, and how times are written.",
    )
    notify_email = forms.BooleanField(
        label="E-mail the organisation's members", required=False, initial=True
    )
    webhook_url = forms.URLField(
        label="Webhook address", required=False, max_length=500, assume_scheme="https"
    )
    webhook_format = forms.ChoiceField(
        label="Webhook format", choices=WEBHOOK_FORMAT_CHOICES, required=False, initial=SLACK
    )
    daily_cap = forms.IntegerField(
        label="At most this many messages a day",
        min_value=1,
        max_value=MOST_DAILY_CAP,
        initial=4,
        help_text="Counted over the last 24 hours; changes past it are kept in the log, not sent.",
    )
    enabled = forms.BooleanField(label="On", required=False, initial=True)

    def __init__(self, *args: Any, connections: list[StripeConnection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections = connections
        account = self.fields["account"]
        assert isinstance(account, forms.ChoiceField)
        account.choices = account_choices(connections)

    def clean_currency(self) -> str:
        code = str(self.cleaned_data.get("currency") or "").strip().lower()
        if code and (len(code) != 3 or not code.isalpha()):
            raise forms.ValidationError("Write the currency's three-letter code, such as USD.")
        return code

    def clean_webhook_url(self) -> str:
        url = str(self.cleaned_data.get("webhook_url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise forms.ValidationError("The webhook address starts with https://.")
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        headline = HEADLINE_BY_KEY.get(str(data.get("metric", "")))
        condition = data.get("condition")
        threshold: Decimal | None = data.get("threshold")
        if headline is not None and headline.kind == "amount":
            if not data.get("currency"):
                self.add_error("currency", "Choose the currency to watch, such as USD.")
            elif threshold is not None and condition not in (RISES, FALLS, *JUDGED_BY_HISTORY):
                exponent = minor_unit_exponent(str(data["currency"]))
                if threshold != round(threshold, exponent):
                    self.add_error(
                        "threshold", f"{str(data['currency']).upper()} has {exponent} decimals."
                    )
        elif headline is not None:
            data["currency"] = ""
        if condition in JUDGED_BY_HISTORY:
            data["threshold"] = None
            if data.get("window") not in UNUSUAL_WINDOWS:
                self.add_error(
                    "window",
                    "“Unusual” compares weekdays: choose the last hour, 24 hours or 7 days.",
                )
        elif threshold is None and condition:
            self.add_error("threshold", "Give the value that sets the alert off.")
        elif threshold is not None and threshold < 0:
            self.add_error("threshold", "Give a value of 0 or more.")
        if not data.get("notify_email") and not data.get("webhook_url"):
            self.add_error(
                "notify_email", "Choose at least one way to be told: e-mail or a webhook."
            )
        if data.get("webhook_url") and data.get("webhook_format") not in (SLACK, SIGNED):
            data["webhook_format"] = SLACK
        return data

    def connection(self) -> StripeConnection | None:
        wanted = self.cleaned_data.get("account") or ALL
        return next((c for c in self.connections if str(c.pk) == wanted), None)

    def apply(self, rule: AlertRule) -> None:
        data = self.cleaned_data
        rule.name = data["name"]
        rule.metric = data["metric"]
        rule.connection = self.connection()
        rule.currency = data.get("currency") or ""
        rule.condition = data["condition"]
        rule.threshold = data.get("threshold")
        rule.window = data["window"]
        rule.time_zone = data.get("time_zone") or rule.time_zone or "UTC"
        rule.notify_email = bool(data.get("notify_email"))
        rule.webhook_url = data.get("webhook_url") or ""
        rule.webhook_format = data.get("webhook_format") or "" if rule.webhook_url else ""
        rule.daily_cap = data["daily_cap"]
        rule.enabled = bool(data.get("enabled"))


def plain(value: Decimal) -> str:
    """A stored threshold as people write it: "500", "0.75" (never "5E+2")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def initial_of(rule: AlertRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "metric": rule.metric,
        "account": str(rule.connection_id or ALL),
        "currency": rule.currency.upper(),
        "condition": rule.condition,
        "threshold": plain(rule.threshold) if rule.threshold is not None else None,
        "window": rule.window,
        "time_zone": rule.time_zone,
        "notify_email": rule.notify_email,
        "webhook_url": rule.webhook_url,
        "webhook_format": rule.webhook_format or SLACK,
        "daily_cap": rule.daily_cap,
        "enabled": rule.enabled,
    }


def describe(rule: AlertRule) -> str:
    """The rule in one line: "Dispute rate over the last 30 days is above 0.75%"."""
    headline = HEADLINE_BY_KEY.get(rule.metric)
    label = headline.label if headline else rule.metric
    words = WINDOW_WORDS.get(rule.window, rule.window)
    threshold = plain(rule.threshold) if rule.threshold is not None else None
    is_ = verb_of(label, "is", "are")
    if rule.condition == UNUSUAL:
        return f"{label} over {words} {is_} unusual for the weekday and hour"
    if rule.condition == UNUSUALLY_HIGH:
        return f"{label} over {words} {is_} unusually high for the weekday and hour"
    if rule.condition in (RISES, FALLS):
        verb = verb_of(
            label, *(("rises", "rise") if rule.condition == RISES else ("falls", "fall"))
        )
        return f"{label} over {words} {verb} by more than {threshold}% against the window before"
    side = "above" if rule.condition == "above" else "below"
    if headline is not None and headline.kind == "rate":
        shown = f"{threshold}%"
    elif headline is not None and headline.kind == "amount":
        shown = f"{threshold} {rule.currency.upper()}"
    else:
        shown = str(threshold)
    return f"{label} over {words} {is_} {side} {shown}"
