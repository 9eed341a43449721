"""Who may change what in the information base. Who may *see* a row is `visible_to`'s job.

The organisation's role matrix (`wangge.org.permissions`) has no crm rights of its own, so
the rules are written here from the user's `Scope`:

* reading: anyone with a staff role (`Action.VIEW_ORG`); rows are narrowed by `visible_to`;
* a customer is changed by the market department, the manager of its site's grid, or its
  named owner (名单制: the owner keeps the record current);
* new customers and site intelligence come from the grid's field staff, not from agents,
  who work only their own accounts and see no sites;
* products, plans and competitors are the market department's catalogue.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from wangge.core.access import scope_for, user_can
from wangge.org.permissions import Action

VIEW = Action.VIEW_ORG


def is_system(actor: Any) -> bool:
    """`actor=None` is the system itself (demo loader, imports): it is trusted."""
    return actor is None


def can_view(user: Any) -> bool:
    return user_can(user, VIEW)


def can_manage_catalogue(user: Any) -> bool:
    return is_system(user) or scope_for(user).everything


def can_create_customers(user: Any) -> bool:
    if is_system(user):
        return True
    scope = scope_for(user)
    return scope.everything or (bool(scope.grid_ids) and not scope.own_records_only)


def can_edit_customer(user: Any, customer: Any) -> bool:
    """`customer` is a `Customer` with its site loaded (or cheap to load)."""
    if is_system(user):
        return True
    scope = scope_for(user)
    if scope.everything:
        return True
    if scope.staff_id is not None and customer.owner_id == scope.staff_id:
        return True
    return customer.site.grid_id in scope.managed_grid_ids


def can_note_customer(user: Any, customer: Any) -> bool:
    """Anyone who sees a customer may leave a note: the technician after an install too."""
    return is_system(user) or can_view(user)


def can_survey_site(user: Any, site: Any) -> bool:
    """Competitor intelligence of a site is gathered by its grid's field staff."""
    if is_system(user):
        return True
    scope = scope_for(user)
    if scope.everything:
        return True
    return not scope.own_records_only and site.grid_id in scope.grid_ids


def ensure(allowed: bool) -> None:
    """Services refuse with `PermissionDenied`; views and the API answer it with 404."""
    if not allowed:
        raise PermissionDenied(_("您没有修改这条记录的权限。"))
