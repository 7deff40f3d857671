# Until a sync records a change, figures are keyed on the last finished sync, as before
# (chartivo.charts.figures.figures_version), so existing rows need no value.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stripe_integration", "0002_progress_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="stripeconnection",
            name="figures_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
