"""Each site that has customers in the crm takes its subscriber count as `Site.customers`
(the rule of `services.site_counts_refresh`)."""

from django.db import migrations
from django.db.models import Count, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest


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
        ("crm", "0009_customer_relationship_field"),
        ("territory", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(derive_site_counts, migrations.RunPython.noop),
    ]
