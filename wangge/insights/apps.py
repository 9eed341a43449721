from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "wangge.insights"
    label = "insights"
    verbose_name = _("市场洞察")

    def ready(self) -> None:
        from wangge.insights import (
            hooks,
            hooks_potential,
            jobs,
            permissions,
            permissions_potential,
        )

        permissions.register()
        permissions_potential.register()
        hooks.register()
        hooks_potential.register()
        jobs.register()
