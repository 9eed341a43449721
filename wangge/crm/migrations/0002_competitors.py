"""The three national operators every county competes with; others are added on the page."""

from django.db import migrations

COMPETITORS = (
    ("telecom", "中国电信", "电信"),
    ("unicom", "中国联通", "联通"),
    ("mobile", "中国移动", "移动"),
)


def add(apps, schema_editor):
    Competitor = apps.get_model("crm", "Competitor")
    for code, name, short in COMPETITORS:
        Competitor.objects.get_or_create(code=code, defaults={"name": name, "short_name": short})


def remove(apps, schema_editor):
    Competitor = apps.get_model("crm", "Competitor")
    Competitor.objects.filter(code__in=[c for c, _n, _s in COMPETITORS], intel=None).delete()


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
