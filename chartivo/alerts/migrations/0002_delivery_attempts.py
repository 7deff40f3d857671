# Written by hand in the style of makemigrations (checked with `makemigrations --check`).

import django.db.models.deletion
from django.db import migrations, models

import chartivo.alerts.models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertdelivery",
            name="idempotency_id",
            field=models.CharField(
                db_default="",
                default=chartivo.alerts.models.new_idempotency_id,
                editable=False,
                max_length=32,
            ),
        ),
        migrations.CreateModel(
            name="DeliveryAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField()),
                ("started_at", models.DateTimeField()),
                ("duration_ms", models.PositiveIntegerField(blank=True, null=True)),
                ("outcome", models.CharField(max_length=12)),
                ("http_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("error", models.CharField(blank=True, max_length=200)),
                (
                    "delivery",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempt_log",
                        to="alerts.alertdelivery",
                    ),
                ),
            ],
            options={
                "ordering": ["delivery", "number", "pk"],
            },
        ),
    ]
