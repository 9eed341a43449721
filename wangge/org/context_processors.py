from typing import Any

from django.http import HttpRequest

from wangge.core.access import scope_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    staff = getattr(user, "staff", None)
    return {
        "nav": {
            "staff": staff,
            "role_label": staff.get_role_display() if staff else "",
            "everything": scope.everything,
        }
    }
