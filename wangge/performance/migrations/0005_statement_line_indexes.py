"""Statement lines lose their policy and adjustment indexes: no read looks lines up by
either, and each index is a write per line (a month writes 1.7 M lines).

Dropped with DROP INDEX, not by AlterField: on SQLite that would copy the whole lines table
(twice)."""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = ("policy_id", "adjustment_id")


def _drop(apps, schema_editor):
    model = apps.get_model("performance", "StatementLine")
    for column in COLUMNS:
        for name in schema_editor._constraint_names(model, [column], index=True):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def _create(apps, schema_editor):
    model = apps.get_model("performance", "StatementLine")
    for column in COLUMNS:
        field = model._meta.get_field(column.removesuffix("_id"))
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0004_versioned_settings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="statementline",
                    name="adjustment",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="performance.adjustment",
                        verbose_name="调整",
                    ),
                ),
                migrations.AlterField(
                    model_name="statementline",
                    name="policy",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="performance.commissionpolicy",
                        verbose_name="佣金政策",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(_drop, _create)],
        ),
    ]
