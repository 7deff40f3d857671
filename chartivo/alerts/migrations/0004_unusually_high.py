from typing import Any

from django.db import migrations, models


def spikes_only_when_high(apps: Any, schema_editor: Any) -> None:
    """Ready-made failed-payment spike rules made as "unusual" fired on an unusually quiet
    day of failures too; they were added to hear of spikes only."""
    rules = apps.get_model("alerts", "AlertRule").objects
    rules.filter(preset="failed_payment_spike", condition="unusual").update(
        condition="unusually_high"
    )


class Migration(migrations.Migration):
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
        migrations.RunPython(spikes_only_when_high, migrations.RunPython.noop),
    ]
