from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wangge.core"
    label = "core"
    verbose_name = _("系统")

    def ready(self) -> None:
        import datetime as dt

        from wangge.core import hooks, schedule
        from wangge.core.imports.purge import jobs_purge_scheduled
        from wangge.core.permissions import register_core

        register_core()
        hooks.register()
        schedule.register(
            "purge_jobs", jobs_purge_scheduled, daily_at=dt.time(3, 30), label=_("清理导入导出任务")
        )
        # Every app's `imports.py` registers its Excel import specs (see wangge.core.imports).
        from wangge.core.imports.spec import autodiscover

        autodiscover()
