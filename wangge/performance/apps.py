from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "wangge.performance"
    label = "performance"
    verbose_name = _("绩效与激励")

    def ready(self) -> None:
        from wangge.performance import (
            hooks_sales,
            hooks_settle,
            hooks_targets,
            permissions_sales,
            permissions_settle,
            permissions_targets,
        )

        for module in (
            permissions_sales,
            permissions_settle,
            permissions_targets,
            hooks_sales,
            hooks_settle,
            hooks_targets,
        ):
            module.register()
