"""Each customer-list filter followed by the list's order, and the renewal list's order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0010_site_counts"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="crm_customer_tier_idx"),
        migrations.RemoveIndex(model_name="customer", name="crm_customer_kind_idx"),
        migrations.RemoveIndex(model_name="customer", name="crm_customer_relation_idx"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["relationship", "name", "id"], name="crm_customer_rel_name_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["tier", "name", "id"], name="crm_customer_tier_name_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["kind", "name", "id"], name="crm_customer_kind_name_idx"),
        ),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(fields=["expires_on", "id"], name="crm_sub_renewal_idx"),
        ),
    ]
