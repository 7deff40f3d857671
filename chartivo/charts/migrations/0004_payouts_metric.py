# Payouts join the metrics a chart can show: only the field's choices change (no SQL).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("charts", "0003_organisations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="chart",
            name="metric",
            field=models.CharField(
                choices=[
                    ("charges", "Charges"),
                    ("customers", "Customers"),
                    ("revenue", "Revenue"),
                    ("refunds", "Refunds"),
                    ("disputes", "Disputes"),
                    ("balance_transactions", "Balance transactions"),
                    ("payouts", "Payouts"),
                ],
                max_length=32,
            ),
        ),
    ]
