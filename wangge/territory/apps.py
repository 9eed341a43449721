from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "wangge.territory"
    label = "territory"
    verbose_name = _("网格划分")

    def ready(self) -> None:
        from wangge.territory import hooks, permissions

        permissions.register()
        hooks.register()
