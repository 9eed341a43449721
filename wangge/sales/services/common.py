"""Shared by the sales services: who is acting, and the opportunity's history."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from wangge.core.access import is_person, scope_for
from wangge.org.models import Staff
from wangge.sales.models import Opportunity, OpportunityStep


def acting_staff(actor: Any) -> Staff | None:
    """The staff record of the person acting (none for the system or a superuser)."""
    if not is_person(actor):
        return None
    staff_id = scope_for(actor).staff_id
    return Staff.objects.filter(pk=staff_id).first() if staff_id else None


def record_step(
    actor: Any, opp: Opportunity, kind: str, *, staff: Staff | None = None, **fields: Any
) -> OpportunityStep:
    staff = staff if staff is not None else acting_staff(actor)
    name = staff.name if staff else (getattr(actor, "username", "") or _("系统"))
    return OpportunityStep.objects.create(
        opportunity=opp, kind=kind, actor=staff, actor_name=name[:32], **fields
    )
