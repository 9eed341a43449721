from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "wangge.crm"
    label = "crm"
    verbose_name = _("客户信息")

    def ready(self) -> None:
        from wangge.crm import hooks, permissions

        permissions.register()
        hooks.register()
