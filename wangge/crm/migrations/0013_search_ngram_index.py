"""The customer search's n-gram index on SQLite (`wangge.crm.search`): the FTS5 table, its
triggers, and the words of every existing customer. PostgreSQL keeps its trigram indexes
(0012); nothing happens there.

Not in the models' state: the table is SQLite's own (a virtual table), read by raw SQL.
"""

from django.db import migrations


def create(apps, schema_editor):
    from wangge.crm import search

    search.install(schema_editor.connection)


def drop(apps, schema_editor):
    from wangge.crm import search

    search.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0012_search_trigram_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
