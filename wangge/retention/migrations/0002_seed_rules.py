"""The seed's two care rules (§三.2(2)), the defaults the market department starts from."""

from django.db import migrations

RULES = [
    {
        # New group customers: at least weekly contact in their first month.
        "name": "新集团客户首月每周联系",
        "customer_kind": "group",
        "mode": "window",
        "period_days": 30,
        "min_contacts": 4,
        "contact_kinds": ["door", "phone", "message"],
    },
    {
        # Gold customers: a door visit every half month.
        "name": "金牌客户半月上门",
        "tier": "gold",
        "mode": "every",
        "period_days": 15,
        "min_contacts": 1,
        "contact_kinds": ["door"],
    },
]


def seed(apps, schema_editor):
    from wangge.core import clock

    CareRule = apps.get_model("retention", "CareRule")
    for fields in RULES:
        # Customers never contacted come due from the day the rules arrive, not from
        # their records of years ago.
        CareRule.objects.get_or_create(
            name=fields["name"], defaults={**fields, "starts_on": clock.today()}
        )


def unseed(apps, schema_editor):
    apps.get_model("retention", "CareRule").objects.filter(
        name__in=[r["name"] for r in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
