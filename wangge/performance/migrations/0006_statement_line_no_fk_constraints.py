"""Statement lines keep their keys but lose the database's foreign-key constraints
(`db_constraint=False`; why it is safe: the model's comment on `StatementLine`). Each
constraint was a lookup per line, on PostgreSQL a trigger query per line at commit: four
for each of a month's 1.7 M lines, most of the settlement's write.

The database step runs once for the four fields: on SQLite, where a constraint cannot be
dropped, Django's AlterField would copy the whole lines table once per field; here it is
copied once (`_remake_table` from the new state). On PostgreSQL the constraints are dropped.
"""

import django.db.models.deletion
from django.db import migrations, models

FIELDS = ("statement", "sale", "policy", "adjustment")


def _with_constraint(field: models.ForeignKey) -> models.ForeignKey:
    """`field` as it was before this migration (a constraint in the database)."""
    _name, _path, args, kwargs = field.deconstruct()
    kwargs.update(to=field.remote_field.model, db_constraint=True)
    old = field.__class__(*args, **kwargs)
    old.set_attributes_from_name(field.name)
    old.model = field.model
    return old


def _drop(apps, schema_editor):
    model = apps.get_model("performance", "StatementLine")
    if schema_editor.connection.vendor == "sqlite":
        schema_editor._remake_table(model)
        return
    for name in FIELDS:
        field = model._meta.get_field(name)
        schema_editor.alter_field(model, _with_constraint(field), field)


def _restore(apps, schema_editor):
    model = apps.get_model("performance", "StatementLine")
    fields = [model._meta.get_field(name) for name in FIELDS]
    if schema_editor.connection.vendor == "sqlite":  # one copy for the four
        schema_editor._remake_table(model, alter_fields=[(f, _with_constraint(f)) for f in fields])
        return
    for field in fields:
        schema_editor.alter_field(model, field, _with_constraint(field))


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0005_statement_line_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="statementline",
                    name="adjustment",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
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
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="performance.commissionpolicy",
                        verbose_name="佣金政策",
                    ),
                ),
                migrations.AlterField(
                    model_name="statementline",
                    name="sale",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="performance.salesrecord",
                        verbose_name="销售记录",
                    ),
                ),
                migrations.AlterField(
                    model_name="statementline",
                    name="statement",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="performance.statement",
                        verbose_name="结算单",
                    ),
                ),
            ],
        ),
        # After the state step, so that both directions see the new fields.
        migrations.RunPython(_drop, _restore),
    ]
