from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "wangge.org"
    label = "org"
    verbose_name = _("组织")

    def ready(self) -> None:
        from wangge.core import access
        from wangge.core.api import register_token_lookup
        from wangge.org import hooks, permissions
        from wangge.org.models import ApiToken
        from wangge.org.scoping import resolve_scope

        access.register(resolver=resolve_scope)
        register_token_lookup(ApiToken.objects.authenticate)
        permissions.register()
        hooks.register()
