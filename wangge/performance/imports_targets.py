"""Named targets from Excel: the import kind `targets`.

One row a person, indicator and year: 全年 and the twelve months, which must add up to the
year (a row whose months do not is refused, with by how much). The row's grid is the
person's primary grid, whose manager may import it (the market department any). Re-importing
a person's row replaces their months. That the people of a grid add up to the grid's target
is shown on the targets page (rows arrive one by one; a sheet may hold part of a grid).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.access import SYSTEM
from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, register
from wangge.core.imports.spec import RowErrors
from wangge.core.permissions import can
from wangge.org.models import Staff
from wangge.performance import decompose
from wangge.performance import services_targets as svc
from wangge.performance.models import Indicator, Target
from wangge.performance.permissions_targets import Action

MAX = Decimal("999999999999.99")
MONTH_KEYS = tuple(f"m{m}" for m in range(1, 13))


def _month_column(m: int) -> Column:
    return Column(f"m{m}", f"{m}月", "decimal", required=True, example="10",
                  min_value=Decimal(0), max_value=MAX, decimal_places=2,
                  aliases=(f"{m:02d}月",))  # fmt: skip


class TargetSpec(ImportSpec):
    kind = "targets"
    label = gettext_lazy("个人目标")
    model = Target
    natural_key = ("indicator", "year", "staff")
    import_action = Action.IMPORT
    export_action = None
    columns = (
        Column("indicator", "指标", "ref", required=True, max_length=64,
               example="broadband_new", help=gettext_lazy("指标编码或名称"),
               aliases=("指标编码", "考核指标")),
        Column("year", "年度", "int", required=True, example="2026", min_value=2000,
               max_value=2100),
        Column("staff", "工号", "ref", required=True, max_length=32, example="E0001",
               aliases=("员工工号",)),
        Column("value", "全年", "decimal", required=True, example="120", min_value=Decimal(0),
               max_value=MAX, decimal_places=2, aliases=("全年目标", "年度目标")),
        *(_month_column(m) for m in range(1, 13)),
    )  # fmt: skip

    def existing_queryset(self) -> QuerySet[Any]:
        return Target.objects.filter(level=Target.Level.PERSON, team=None, month=0).select_related(
            "indicator", "staff"
        )

    def find_existing(
        self, user: Any, keys: Sequence[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], Any]:
        """By indicator (code or name), year and 工号, in one query for the chunk."""
        if not keys:
            return {}
        cond = Q()
        for ind, year, staff in keys:
            cond |= Q(year=year, staff__employee_no=staff) & (
                Q(indicator__code=ind) | Q(indicator__name=ind)
            )
        out: dict[tuple[Any, ...], Any] = {}
        for t in self.existing_queryset().filter(cond):
            for name in (t.indicator.code, t.indicator.name):
                out[(name, t.year, t.staff.employee_no)] = t
        return out

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        if "indicators" not in ctx.cache:
            inds = list(Indicator.objects.filter(is_active=True))
            ctx.cache["indicators"] = {i.code: i for i in inds} | {i.name: i for i in inds}
        numbers = {d.values["staff"] for d in drafts if "staff" in d.values}
        people = Staff.objects.filter(employee_no__in=numbers).prefetch_related("memberships")
        ctx.cache.setdefault("staff", {}).update({p.employee_no: p for p in people})

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        errors: RowErrors = []
        cleaned = dict(values)
        user = SYSTEM if user is None else user  # the pipeline's None is the system
        ind = ctx.cache["indicators"].get(values.get("indicator"))
        if "indicator" in values and ind is None:
            errors.append(("indicator", _("没有这个指标")))
        cleaned["indicator"] = ind
        staff = ctx.cache["staff"].get(values.get("staff"))
        grid = None
        if "staff" in values:
            if staff is None:
                errors.append(("staff", _("没有这个工号")))
            else:
                primary = staff.primary_membership
                grid = primary.grid if primary else None
                allowed = can(user, Action.EDIT, grid) if grid else can(user, Action.PLAN)
                if not allowed:
                    # The same words as for a number nobody holds: no other grid's people.
                    errors.append(("staff", _("没有这个工号")))
        cleaned["staff"], cleaned["grid"] = staff, grid
        months = [values.get(k) for k in MONTH_KEYS]
        if ind is not None:
            unit = Decimal(1).scaleb(-ind.places)
            for k in ("value", *MONTH_KEYS):
                v = values.get(k)
                if v is not None and Decimal(v) != Decimal(v).quantize(unit):
                    errors.append((k, _("%(name)s只能填整数") % {"name": ind.name}))
        if "value" in values and all(m is not None for m in months):
            off = decompose.months_off(values["value"], months)  # type: ignore[arg-type]
            if off:
                errors.append(
                    (None, _("各月合计 %(sum)s，与全年 %(year)s 相差 %(off)s")
                     % {"sum": svc.figure(Decimal(values["value"]) + off),
                        "year": svc.figure(Decimal(values["value"])), "off": svc.figure(off)})
                )  # fmt: skip
        return cleaned, errors

    def diff(self, obj: Any, cleaned: Any) -> list[tuple[str, Any, Any]]:
        """The year and each month that would change (the months are rows of their own)."""
        out = []
        if obj.value != cleaned.get("value"):
            out.append(("value", obj.value, cleaned.get("value")))
        stored = dict(
            Target.objects.filter(
                indicator=obj.indicator_id, year=obj.year, staff=obj.staff_id,
                level=Target.Level.PERSON, team=None, month__gt=0,
            ).values_list("month", "value")
        )  # fmt: skip
        for m, key in enumerate(MONTH_KEYS, start=1):
            if stored.get(m) != cleaned.get(key):
                out.append((key, stored.get(m), cleaned.get(key)))
        return out

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        created = svc.person_target_import(
            actor=SYSTEM if user is None else user,
            indicator=cleaned["indicator"],
            year=cleaned["year"],
            staff=cleaned["staff"],
            grid=cleaned["grid"],
            months=[Decimal(cleaned[k]) for k in MONTH_KEYS],
        )
        row = Target.objects.get(
            indicator=cleaned["indicator"], year=cleaned["year"], staff=cleaned["staff"],
            level=Target.Level.PERSON, team=None, month=0,
        )  # fmt: skip
        return row, created


register(TargetSpec())
