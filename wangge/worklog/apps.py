from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklogConfig(AppConfig):
    name = "wangge.worklog"
    label = "worklog"
    verbose_name = _("工作日志")

    def ready(self) -> None:
        from wangge.worklog import hooks, jobs, permissions

        permissions.register()
        hooks.register()
        jobs.register()
