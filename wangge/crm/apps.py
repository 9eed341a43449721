from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def _search_triggers_off(sender: AppConfig, using: str, plan: Any = None, **kwargs: Any) -> None:
    """Django's SQLite migrations copy, drop and rename a table to alter it, which drops
    its triggers and fails on the other table's (they name both): the search index's
    triggers step aside while crm migrations run (`wangge.crm.search`). A migration that
    rebuilds neither table (new columns elsewhere, indexes) says so with
    `search_triggers_kept = True`: at a million customers the rebuild after takes minutes."""
    from wangge.crm import search

    if any(
        migration.app_label == sender.label
        and not getattr(migration, "search_triggers_kept", False)
        for migration, _backwards in plan or ()
    ):
        search.drop_triggers(connections[using])


def _search_triggers_on(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """After migrations: triggers that are missing come back and the index is rebuilt from
    the rows, which may have changed while there were none."""
    from wangge.crm import search

    conn = connections[using]
    if search.installed(conn) and len(search.triggers_present(conn)) < len(search.TRIGGERS):
        search.rebuild(conn)


class CrmConfig(AppConfig):
    name = "wangge.crm"
    label = "crm"
    verbose_name = _("客户信息")

    def ready(self) -> None:
        from wangge.crm import hooks, jobs, permissions

        permissions.register()
        hooks.register()
        jobs.register()
        pre_migrate.connect(_search_triggers_off, sender=self)
        post_migrate.connect(_search_triggers_on, sender=self)
