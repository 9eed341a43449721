"""The customer list's order index carries what the scope tests, and an owner's list has its
own order index (issue 8 §6, third pass).

`(name, id)` becomes `(name, id, site, owner)`: a grid team's list walks the name order
testing each row's site and owner, which it now reads from the index instead of the row (a
typed-in page 50 at 1M customers: ~77 → ~7 ms on SQLite). `(owner, name, id)`: an agent's
list (their own accounts) in order, where PostgreSQL walked the name index filtering the
owner. Indexes only: no crm table is rebuilt, so the search triggers stay (`crm.apps`).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0019_customer_owner_site_index"),
    ]

    search_triggers_kept = True

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["name", "id", "site", "owner"], name="crm_customer_name_cover"
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "name", "id"], name="crm_customer_owner_name_idx"),
        ),
        migrations.RemoveIndex(model_name="customer", name="crm_customer_name_idx"),
    ]
