from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def payouts_state(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Connections saved before payouts were read get their state, so the next run reads
    them (a key without Read on Payouts is found out then, as for any resource)."""
    connection_model = apps.get_model("stripe_integration", "StripeConnection")
    state_model = apps.get_model("stripe_integration", "ResourceState")
    have = set(
        state_model.objects.filter(resource="payouts").values_list("connection_id", flat=True)
    )
    state_model.objects.bulk_create(
        state_model(connection_id=pk, resource="payouts")
        for pk in connection_model.objects.exclude(pk__in=have).values_list("pk", flat=True)
    )


class Migration(migrations.Migration):
    # The data step only adds a row per connection (its payouts' state), which the
    # previous release never reads: safe while it still serves.
    reviewed = "adds ResourceState rows for payouts, unread by the previous release"

    dependencies = [
        ("metrics", "0002_rollups"),
        ("stripe_integration", "0002_progress_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="PayoutCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("currency", models.CharField(max_length=3)),
                ("created", models.BigIntegerField()),
                ("arrival", models.BigIntegerField()),
                ("amount", models.BigIntegerField()),
                ("settled", models.BigIntegerField()),
                ("moved", models.BigIntegerField()),
                ("transactions", models.IntegerField()),
                (
                    "connection",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        related_name="+",
                        to="stripe_integration.stripeconnection",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("connection", "currency", "created", "arrival"),
                        name="one_check_per_payout",
                    )
                ],
                "indexes": [
                    models.Index(fields=["connection", "arrival"], name="metrics_pay_connect_idx")
                ],
            },
        ),
        migrations.RunPython(payouts_state, migrations.RunPython.noop),
    ]
