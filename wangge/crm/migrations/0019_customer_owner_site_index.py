from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0018_search_short_grams"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "site"], name="crm_customer_owner_site_idx"),
        ),
    ]
