"""One- and two-character searches from an index on PostgreSQL.

A trigram needs three characters, so `?q=李` (a surname: the commonest search) read every
visible customer there (3.5–5 s at 1M customers). These GIN indexes hold, per customer, the
1- and 2-character pieces of what the search compares (`crm_short_grams`, an immutable SQL
function of the text): the name and door address (upper-cased, as `icontains` compares
them), the phone, and a group's contact name and phone. A short search asks the index for
its piece (`selectors._customer_search`, `crm.search.short_grams_q`) and the plain
conditions then decide, so the result is the plain one.

PostgreSQL only, not in the models' state (like 0012); SQLite has its own n-gram index
(0013).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION crm_short_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, k)), '{}'::text[])
    FROM generate_series(1, length(t)) AS i, (VALUES (1), (2)) AS n(k)
    WHERE i + k - 1 <= length(t)
$$
"""

#: (index name, table, expression): the same expressions as `crm.search.SHORT_GRAMS`.
INDEXES = (
    (
        "crm_customer_short_grams",
        "crm_customer",
        "crm_short_grams(UPPER(name) || ' ' || UPPER(address))",
    ),
    ("crm_customer_phone_short_grams", "crm_customer", "crm_short_grams(phone)"),
    ("crm_org_contact_short_grams", "crm_organization", "crm_short_grams(UPPER(contact_name))"),
    ("crm_org_contact_phone_short_grams", "crm_organization", "crm_short_grams(contact_phone)"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS crm_short_grams(text)")


class Migration(migrations.Migration):
    search_triggers_kept = True  # PostgreSQL only: SQLite's search triggers are not touched

    dependencies = [
        ("crm", "0017_subscription_grid"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
