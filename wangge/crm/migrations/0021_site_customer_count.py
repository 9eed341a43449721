"""Each site's customers counted and kept for the grid page (`SiteCustomerCount`), filled
from the customers in one grouped read (the rule of `services.customer_counts_recount`)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Q

#: Frozen here: `Customer.SUBSCRIBER_RELATIONSHIPS` and `PROSPECT_RELATIONSHIPS` today.
SUBSCRIBERS = ("existing", "new")
PROSPECTS = ("potential", "intended")


def fill(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("crm", "Customer")
    SiteCustomerCount = apps.get_model("crm", "SiteCustomerCount")
    grouped = (
        Customer.objects.using(schema_editor.connection.alias)
        .order_by()
        .values("site_id")
        .annotate(
            customers=Count("id"),
            subscribers=Count("id", filter=Q(relationship__in=SUBSCRIBERS)),
            prospects=Count("id", filter=Q(relationship__in=PROSPECTS)),
        )
    )
    SiteCustomerCount.objects.using(schema_editor.connection.alias).bulk_create(
        [SiteCustomerCount(**row) for row in grouped], batch_size=1000
    )


class Migration(migrations.Migration):
    # A new table beside the customers: the search index's triggers need not step aside.
    search_triggers_kept = True

    dependencies = [
        ("crm", "0020_list_cover_indexes"),
        ("territory", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SiteCustomerCount",
            fields=[
                (
                    "site",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="customer_count",
                        serialize=False,
                        to="territory.site",
                    ),
                ),
                ("customers", models.PositiveIntegerField(default=0)),
                ("subscribers", models.PositiveIntegerField(default=0)),
                ("prospects", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "site customer count"},
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
