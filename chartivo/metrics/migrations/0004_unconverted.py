from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

BUCKET_SECONDS = 900


def reread_charges(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Charges synced before ``unconverted`` existed are read again once, so that charges
    not yet captured show as pending in the settlement view from the next refresh on."""
    state_model = apps.get_model("stripe_integration", "ResourceState")
    range_model = apps.get_model("stripe_integration", "SyncRange")
    ranges = []
    for state in state_model.objects.filter(
        resource="charges", window_start__isnull=False, synced_until__isnull=False
    ):
        start = state.window_start - state.window_start % BUCKET_SECONDS
        end = state.synced_until - state.synced_until % BUCKET_SECONDS
        if start < end:
            ranges.append(
                range_model(
                    connection_id=state.connection_id,
                    resource="charges",
                    start=start,
                    end=end,
                    purpose="reread",
                )
            )
    range_model.objects.bulk_create(ranges)


class Migration(migrations.Migration):
    # The columns have a database default, so the previous release's inserts still work;
    # the data step only adds ranges to re-read, which the previous release reads as it
    # reads any other (re-reading replaces a span's aggregates, never adds to them).
    reviewed = "adds columns with db_default and re-read ranges for charges"

    dependencies = [
        ("metrics", "0003_payout_checks"),
        ("stripe_integration", "0004_organisations"),
    ]

    operations = [
        migrations.AddField(
            model_name="aggregate",
            name="unconverted",
            field=models.BigIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="aggregaterollup",
            name="unconverted",
            field=models.BigIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(reread_charges, migrations.RunPython.noop),
    ]
