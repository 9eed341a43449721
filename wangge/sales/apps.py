from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "wangge.sales"
    label = "sales"
    verbose_name = _("增量营销")

    def ready(self) -> None:
        from wangge.sales import hooks, jobs, permissions

        permissions.register()
        hooks.register()
        jobs.register()
