from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "wangge.retention"
    label = "retention"
    verbose_name = _("保存量")

    def ready(self) -> None:
        from wangge.retention import hooks, jobs, permissions

        permissions.register()
        hooks.register()
        jobs.register()
