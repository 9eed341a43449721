"""The customer search's substrings from an index on PostgreSQL: pg_trgm GIN indexes on
the expressions the search compares (`icontains` is `UPPER(col::text) LIKE UPPER(…)`,
`contains` is `col::text LIKE …`, `iexact` is `UPPER(col::text) = UPPER(…)`).

PostgreSQL only, so none of this is in the models' state: SQLite has no such index (its
search reads the visible rows). A trigram needs three characters: shorter searches (one
or two Chinese characters) still read the rows.
"""

from django.db import migrations

#: (index name, table, expression, method)
INDEXES = (
    ("crm_customer_name_trgm", "crm_customer", "UPPER(name) gin_trgm_ops", "gin"),
    ("crm_customer_address_trgm", "crm_customer", "UPPER(address) gin_trgm_ops", "gin"),
    ("crm_customer_phone_trgm", "crm_customer", "phone gin_trgm_ops", "gin"),
    ("crm_customer_code_upper", "crm_customer", "UPPER(code)", "btree"),
    ("crm_org_contact_trgm", "crm_organization", "UPPER(contact_name) gin_trgm_ops", "gin"),
    ("crm_org_contact_phone_trgm", "crm_organization", "contact_phone gin_trgm_ops", "gin"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression, method in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {method} ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression, _method in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0011_list_order_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
