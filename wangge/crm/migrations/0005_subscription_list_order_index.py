"""The subscription list's order as an index: a page of subscriptions without sorting them all."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_clock_defaults"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(
                fields=["customer", "-started_on", "-id"], name="crm_sub_list_order_idx"
            ),
        ),
    ]
