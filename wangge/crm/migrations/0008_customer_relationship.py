"""The seed's classes become two facts: `relationship` (the old `status` without 重点) and
the importance `tier`. A customer classed 重点 keeps that as tier key (gold stays gold)
and becomes existing if it holds a live subscription, else potential. Then each site that
has customers in the crm takes its subscriber count as `Site.customers` (the rule of
`services.site_counts_refresh`)."""

from django.db import migrations, models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

LIVE = ("active", "suspended")


def split_key_class(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Subscription = apps.get_model("crm", "Subscription")
    key = Customer.objects.filter(status="key")
    key.filter(tier="standard").update(tier="key")
    live = Subscription.objects.filter(customer_id=OuterRef("pk"), status__in=LIVE)
    key.filter(Exists(live)).update(status="existing")
    key.update(status="potential")


def derive_site_counts(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Site = apps.get_model("territory", "Site")
    here = Customer.objects.filter(site_id=OuterRef("pk"))
    count = Coalesce(
        Subquery(
            here.filter(relationship__in=("existing", "new"))
            .order_by()
            .values("site_id")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        Value(0),
    )
    sites = Site.objects.filter(Exists(here))
    sites.filter(kind="premises").update(customers=count)
    sites.exclude(kind="premises").update(
        customers=count, households=Greatest(F("households"), count)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_names_visible"),
        ("territory", "0001_initial"),
    ]

    # PostgreSQL refuses schema changes in a transaction that has pending deferred-constraint
    # trigger events from this data update: the schema steps follow in their own migrations.
    operations = [
        migrations.RunPython(split_key_class, migrations.RunPython.noop),
    ]
