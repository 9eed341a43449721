from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_customer_relationship")]

    operations = [
        # The index goes first: SQLite rebuilds the table on a rename, with the old index's
        # field name (Django 5.2).
        migrations.RemoveIndex(model_name="customer", name="crm_customer_status_idx"),
        migrations.RenameField(model_name="customer", old_name="status", new_name="relationship"),
        migrations.AlterField(
            model_name="customer",
            name="relationship",
            field=models.CharField(
                choices=[
                    ("covered", "网络覆盖"),
                    ("existing", "存量"),
                    ("potential", "潜在"),
                    ("intended", "意向"),
                    ("new", "新增"),
                ],
                max_length=16,
                verbose_name="客户分类",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["relationship"], name="crm_customer_relation_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["site", "relationship"], name="crm_customer_site_rel_idx"),
        ),
    ]
