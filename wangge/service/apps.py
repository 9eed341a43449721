from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "wangge.service"
    label = "service"
    verbose_name = _("安装维护")

    def ready(self) -> None:
        from wangge.service import (
            hooks_assets,
            hooks_orders,
            jobs_assets,
            jobs_orders,
            permissions,
            permissions_assets,
        )

        for module in (
            permissions,
            permissions_assets,
            hooks_orders,
            hooks_assets,
            jobs_orders,
            jobs_assets,
        ):
            module.register()
