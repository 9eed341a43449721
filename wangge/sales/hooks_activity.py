"""What a person did in growth work on a day, for their daily log (`core.extensions`
day activity): their visits (with the check-in's verdict) and the opportunities they moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.sales.models import OpportunityStep, Visit

#: The history steps that say the person moved an opportunity on.
MOVES = (
    OpportunityStep.Kind.CREATED,
    OpportunityStep.Kind.STAGE,
    OpportunityStep.Kind.ACCEPT,
    OpportunityStep.Kind.CONTACT,
    OpportunityStep.Kind.DISPATCH,
)


def _span(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return clock.start_of_day(day), clock.start_of_day(day + dt.timedelta(days=1))


def _visits(staff_id: int, day: dt.date) -> list[ext.Activity]:
    start, end = _span(day)
    rows = (
        Visit.objects.filter(staff_id=staff_id, at__gte=start, at__lt=end)
        .select_related("customer", "site", "agent")
        .order_by("at", "id")
    )
    out = []
    for v in rows:
        whom = v.agent.name if v.agent else (v.customer.name if v.customer else v.site.name)
        text = f"{v.get_kind_display()} · {whom} · {v.get_outcome_display()}"
        if v.kind in Visit.LOCATED:
            text += " · " + (_("签到有效") if v.verified else _("签到存疑"))
        if v.note:
            text += f"：{v.note}"
        out.append(ext.Activity(text, at=v.at, url=reverse("sales:visit_detail", args=[v.pk])))
    return out


def _moves(staff_id: int, day: dt.date) -> list[ext.Activity]:
    start, end = _span(day)
    rows = (
        OpportunityStep.objects.filter(actor_id=staff_id, at__gte=start, at__lt=end, kind__in=MOVES)
        .select_related("opportunity__customer", "opportunity__site")
        .order_by("at", "id")
    )
    out = []
    for s in rows:
        opp = s.opportunity
        text = f"{s.get_kind_display()} · {opp}"
        if s.kind == OpportunityStep.Kind.STAGE:
            text += f" · {s.get_from_stage_display()} → {s.get_to_stage_display()}"
        out.append(
            ext.Activity(text, at=s.at, url=reverse("sales:opportunity_detail", args=[opp.pk]))
        )
    return out


def _items(user: Any, day: dt.date) -> list[ext.Activity]:
    staff_id = scope_for(user).staff_id
    if staff_id is None:
        return []
    return sorted(
        _visits(staff_id, day) + _moves(staff_id, day), key=lambda a: (a.at is None, a.at)
    )


def register() -> None:
    ext.add_day_activity(ext.ActivitySource("sales", gettext_lazy("拜访与商机"), _items, order=30))
