from typing import Any

from django.db import migrations, models


def _spike_rules(apps: Any) -> Any:
    """Ready-made failed-payment spike rules still watching what they were made to."""
    rules = apps.get_model("alerts", "AlertRule").objects
    return rules.filter(preset="failed_payment_spike", metric="failed_payment_rate")


def spikes_only_when_high(apps: Any, schema_editor: Any) -> None:
    """Made as "unusual", they fired on an unusually quiet day of failures too; they were
    added to hear of spikes only."""
    _spike_rules(apps).filter(condition="unusual").update(condition="unusually_high")


def spikes_either_way(apps: Any, schema_editor: Any) -> None:
    """Back to "unusual" before the column narrows again: the older release has no other
    word for them, and "unusually_high" would not fit."""
    rules = apps.get_model("alerts", "AlertRule").objects
    rules.filter(condition="unusually_high").update(condition="unusual")


class Migration(migrations.Migration):
    # The previous release, for the minutes of a deploy, reads no history for a condition
    # it does not know: it makes no judgement of an "unusually_high" rule and sends
    # nothing. The column only widens (PostgreSQL does not rewrite the table).
    reviewed = "widens a varchar; the previous release makes no judgement of the new value"
    dependencies = [
        ("alerts", "0003_rules_last_judgement"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alertrule",
            name="condition",
            field=models.CharField(
                choices=[
                    ("above", "is above"),
                    ("below", "is below"),
                    ("rises", "rises by more than (%) against the window before"),
                    ("falls", "falls by more than (%) against the window before"),
                    ("unusual", "is unusual for the weekday and hour"),
                    ("unusually_high", "is unusually high for the weekday and hour"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(spikes_only_when_high, spikes_either_way),
    ]
