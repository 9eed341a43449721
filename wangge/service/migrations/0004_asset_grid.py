"""An asset carries its site's grid (`Asset.grid`), filled here from the sites, with the
indexes a grid's list, map and inspection generation read; a kind's list reads (kind,
code) in place of (kind, state, code); a grid's inspection coverage reads (grid, due_on,
done_on)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_site_grids(apps, schema_editor):  # type: ignore[no-untyped-def]
    """One UPDATE from the sites (as `asset_grids_refresh` mends it nightly)."""
    from django.db.models import OuterRef, Subquery

    Asset = apps.get_model("service", "Asset")
    Site = apps.get_model("territory", "Site")
    site_grid = Site.objects.filter(pk=OuterRef("site_id")).values("grid_id")[:1]
    Asset.objects.update(grid_id=Subquery(site_grid))


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0004_grid_technician"),
        ("service", "0003_sla_days"),
        ("territory", "0004_site_survey"),
    ]

    operations = [
        migrations.AddField(
            model_name="asset",
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
        migrations.RunPython(copy_site_grids, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(fields=["grid", "code"], name="service_asset_grid_code"),
        ),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(fields=["grid", "kind", "state"], name="service_asset_grid_kind"),
        ),
        migrations.RemoveIndex(model_name="asset", name="service_asset_kind_state"),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(fields=["kind", "code"], name="service_asset_kind_code"),
        ),
        migrations.AddIndex(
            model_name="inspection",
            index=models.Index(
                fields=["grid", "due_on", "done_on"], name="service_insp_grid_cover"
            ),
        ),
    ]
