from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0016_customer_site_tier_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "site"], name="crm_customer_owner_site_idx"),
        ),
    ]
