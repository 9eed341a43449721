"""The seed's classes become two facts: `relationship` (the old `status` without 重点) and
the importance `tier`. A customer classed 重点 keeps that as tier key (gold stays gold)
and becomes existing if it holds a live subscription, else potential. The schema change and the
site counts follow in 0009 and 0010."""

from django.db import migrations
from django.db.models import Exists, OuterRef

LIVE = ("active", "suspended")


def split_key_class(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Subscription = apps.get_model("crm", "Subscription")
    key = Customer.objects.filter(status="key")
    key.filter(tier="standard").update(tier="key")
    live = Subscription.objects.filter(customer_id=OuterRef("pk"), status__in=LIVE)
    key.filter(Exists(live)).update(status="existing")
    key.update(status="potential")


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
