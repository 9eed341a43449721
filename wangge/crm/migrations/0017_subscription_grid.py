"""The grid stored on each subscription (a grid team's renewal and arrears lists read it from
an index) and the (owner, tier) index of the customer list.

Adds a nullable column and indexes only: no table is rebuilt, so the search index's
triggers stay (`search_triggers_kept`; `crm.apps`), and a county of a million customers
migrates without rebuilding its search index.
"""

import django.db.models.deletion
from django.db import migrations, models

#: Every subscription's grid: its customer's site's (NULL where the site has none).
BACKFILL = """
UPDATE crm_subscription SET grid_id = (
    SELECT s.grid_id FROM crm_customer c JOIN territory_site s ON s.id = c.site_id
    WHERE c.id = crm_subscription.customer_id
)
"""


class Migration(migrations.Migration):
    #: Read by `crm.apps._search_triggers_off`: nothing here rebuilds crm_customer or
    #: crm_organization, so the search triggers need not step aside.
    search_triggers_kept = True

    dependencies = [
        ("crm", "0016_customer_site_tier_index"),
        ("org", "0005_grid_version"),
        ("territory", "0004_site_survey"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="grid",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="org.grid",
                verbose_name="网格",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(fields=["grid", "expires_on"], name="crm_sub_grid_expiry_idx"),
        ),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(fields=["grid", "arrears"], name="crm_sub_grid_arrears_idx"),
        ),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(
                fields=["customer", "expires_on"], name="crm_sub_customer_expiry_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "tier"], name="crm_customer_owner_tier_idx"),
        ),
    ]
