from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0001_digests"),
    ]

    operations = [
        migrations.AddField(
            model_name="mailpreference",
            name="alerts",
            field=models.BooleanField(default=True, db_default=True),
        ),
    ]
