from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wangge.core"
    label = "core"
    verbose_name = _("系统")

    def ready(self) -> None:
        # Every app's `imports.py` registers its Excel import specs (see wangge.core.imports).
        from wangge.core.imports.spec import autodiscover

        autodiscover()
