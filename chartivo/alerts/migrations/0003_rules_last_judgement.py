from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_delivery_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertrule",
            name="last_status",
            field=models.CharField(blank=True, default="", db_default="", max_length=12),
        ),
        migrations.AddField(
            model_name="alertrule",
            name="last_value",
            field=models.CharField(blank=True, default="", db_default="", max_length=64),
        ),
        migrations.AddField(
            model_name="alertrule",
            name="last_expected",
            field=models.CharField(blank=True, default="", db_default="", max_length=96),
        ),
        migrations.AddField(
            model_name="alertrule",
            name="last_summary",
            field=models.CharField(blank=True, default="", db_default="", max_length=300),
        ),
    ]
