"""Writes of targets: the company's year over grids (the market department), a grid's
target over its people and months (its manager), a virtual team's own set.

Every save checks that its levels add up (`decompose.check`) and refuses, writing nothing,
with which level is off and by how much. Each row written or removed is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from wangge.core import potential
from wangge.core.audit import snapshot
from wangge.core.models import AuditEntry
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_delete, audited_update
from wangge.crm.models import Customer
from wangge.org.models import Grid, Staff, Team
from wangge.performance import decompose
from wangge.performance.models import Indicator, Target
from wangge.performance.periods import Period
from wangge.performance.permissions_targets import Action
from wangge.performance.selectors_targets import actuals, grid_people
from wangge.territory.models import Site


class TargetsDontAddUp(ValidationError):
    """A save whose parts do not add up; `discrepancies` says where."""

    def __init__(self, discrepancies: list[decompose.Discrepancy], names: Mapping[Any, str]):
        self.discrepancies = discrepancies
        super().__init__([describe(d, names) for d in discrepancies])


def figure(value: Decimal) -> str:
    """A target as people write it: 60, not 60.00; money keeps its fen (12.50)."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.quantize(Decimal("0.01")))


def describe(d: decompose.Discrepancy, names: Mapping[Any, str]) -> str:
    who = names.get(d.key, str(d.key))
    direction = _("多") if d.off > 0 else _("少")
    what = {
        "grids": _("各网格目标合计"),
        "persons": _("%(who)s的个人目标合计") % {"who": who},
        "months": _("%(who)s的各月目标合计") % {"who": who},
    }[d.level]
    return _("%(what)s为 %(actual)s，应为 %(expected)s，%(dir)s %(off)s。") % {
        "what": what,
        "actual": figure(d.actual),
        "expected": figure(d.expected),
        "dir": direction,
        "off": figure(abs(d.off)),
    }


# --- proposals ----------------------------------------------------------------------------


def grid_weights(
    basis: str, grids: Sequence[Grid], *, indicator: Indicator, year: int
) -> dict[int, Decimal]:
    """Each grid's weight by the basis: households, subscribers (现有用户数), market
    potential (its sites' untapped potential, `core.potential`: the model insights installs,
    else households not yet subscribed), last year's actuals, or equal."""
    ids = [g.pk for g in grids]
    if basis == "equal":
        return dict.fromkeys(ids, Decimal(1))
    if basis == "last_year":
        last = Period(year - 1, 1, 12)
        got = actuals(start=last.start, end=last.end, by="grid", indicator=indicator)
        return {i: got.get(i, Decimal(0)) for i in ids}
    if basis == "potential" and potential.installed() is not None:
        return _potential_by_grid(ids)
    expr: Any = {
        "households": Sum("households"),
        "customers": Sum("customers"),
        "potential": Sum(Greatest(F("households") - F("customers"), 0)),
    }[basis]
    rows = dict(
        Site.objects.filter(grid_id__in=ids)
        .values("grid_id")
        .annotate(v=expr)
        .values_list("grid_id", "v")
    )
    return {i: Decimal(rows.get(i) or 0) for i in ids}


def _potential_by_grid(ids: Sequence[int]) -> dict[int, Decimal]:
    """The provider forecasts site by site: read each site, sum per grid."""
    rows = list(
        Site.objects.filter(grid_id__in=ids).values_list("pk", "grid_id", "households", "customers")
    )
    untapped = potential.untapped({pk: (h, c) for pk, _g, h, c in rows})
    out = dict.fromkeys(ids, Decimal(0))
    for pk, grid_id, _h, _c in rows:
        out[grid_id] += untapped[pk]
    return out


def person_weights(
    basis: str, people: Sequence[Staff], *, indicator: Indicator, year: int
) -> dict[int, Decimal]:
    """A grid's people by the basis: their named customers (户数、用户、潜在: the customers
    they own, subscribers or prospects; 潜在 is the market potential's split among people
    when insights has stored one, `core.potential.people_untapped`), last year's actuals,
    or equal."""
    ids = [p.pk for p in people]
    if basis == "equal":
        return dict.fromkeys(ids, Decimal(1))
    if basis == "last_year":
        last = Period(year - 1, 1, 12)
        got = actuals(start=last.start, end=last.end, by="staff", indicator=indicator)
        return {i: got.get(i, Decimal(0)) for i in ids}
    if basis == "potential":
        split = potential.people_untapped(ids)  # the grids' potential split among people
        if split is not None:
            return {i: Decimal(split[i]) for i in ids}
    qs = Customer.objects.filter(owner_id__in=ids)
    if basis == "customers":
        qs = qs.filter(relationship__in=["existing", "new"])
    elif basis == "potential":
        qs = qs.filter(relationship__in=["potential", "intended"])
    rows = dict(qs.values("owner_id").annotate(v=Count("id")).values_list("owner_id", "v"))
    return {i: Decimal(rows.get(i) or 0) for i in ids}


def propose_grids(
    *, indicator: Indicator, year: int, total: Decimal, basis: str, grids: Sequence[Grid]
) -> dict[int, Decimal]:
    if basis not in decompose.BASES:
        raise ValidationError(_("未知的分解依据。"))
    weights = grid_weights(basis, grids, indicator=indicator, year=year)
    try:
        return decompose.split(total, weights, places=indicator.places)
    except decompose.DecompositionError as exc:
        raise ValidationError(_("目标无法分解：%(why)s") % {"why": exc}) from exc


def propose_people(
    *, indicator: Indicator, year: int, total: Decimal, basis: str, people: Sequence[Staff]
) -> dict[int, list[Decimal]]:
    """Each person's twelve months (their year is the sum)."""
    if basis not in decompose.BASES:
        raise ValidationError(_("未知的分解依据。"))
    weights = person_weights(basis, people, indicator=indicator, year=year)
    try:
        years = decompose.split(total, weights, places=indicator.places)
        return {k: decompose.split_months(v, places=indicator.places) for k, v in years.items()}
    except decompose.DecompositionError as exc:
        raise ValidationError(_("目标无法分解：%(why)s") % {"why": exc}) from exc


# --- writing ------------------------------------------------------------------------------


def _put(*, actor: Any, value: Decimal, **key: Any) -> Target:
    row = Target.objects.filter(**key).first()
    if row is None:
        return audited_create(actor=actor, instance=Target(value=value, **key))
    audited_update(actor=actor, instance=row, data={"value": value}, fields=["value"])
    return row


def _put_people(
    *,
    actor: Any,
    indicator: Indicator,
    year: int,
    team: Team | None,
    grid: Grid | None,
    values: Mapping[Staff, Sequence[Decimal]],
) -> None:
    """Each person's year and twelve months, in bulk: one query reads what is there, new
    rows are inserted together, changed ones updated together, and each is audited.
    The caller has checked the figures add up; the database holds the constraints
    (`full_clean` per row cost a query per constraint, seconds for a grid)."""
    qs = Target.objects.filter(
        indicator=indicator,
        year=year,
        level=Target.Level.PERSON,
        team=team,
        staff__in=list(values),
    )
    have = {(t.staff_id, t.month): t for t in qs}
    new: list[Target] = []
    changed: list[tuple[Target, dict[str, Any]]] = []
    for person, months in values.items():
        figures = [sum(months, Decimal(0)), *months]
        for month, value in enumerate(figures):
            row = have.get((person.pk, month))
            if row is None:
                new.append(
                    Target(
                        indicator=indicator,
                        year=year,
                        level=Target.Level.PERSON,
                        team=team,
                        grid=grid,
                        staff=person,
                        month=month,
                        value=value,
                    )
                )
            elif row.value != value or (grid is not None and row.grid_id != grid.pk):
                before = snapshot(row)
                row.value = value
                if grid is not None:
                    row.grid = grid
                changed.append((row, before))
    Target.objects.bulk_create(new, batch_size=500)
    Target.objects.bulk_update([r for r, _b in changed], ["value", "grid"], batch_size=500)
    entries = [_entry(actor, AuditEntry.Action.CREATE, row, None) for row in new]
    entries += [_entry(actor, AuditEntry.Action.UPDATE, row, before) for row, before in changed]
    AuditEntry.objects.bulk_create(entries, batch_size=500)


def _entry(actor: Any, action: str, row: Target, before: dict[str, Any] | None) -> AuditEntry:
    """The audit entry `audit_record` would write, built for one bulk insert."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if is_user else None,
        actor_repr=(actor.get_full_name() or actor.get_username()) if is_user else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(Target),
        object_id=str(row.pk),
        object_repr=str(row)[:200],
        before=before,
        after=snapshot(row),
    )


def _remove(*, actor: Any, qs: Any) -> None:
    for row in qs:
        audited_delete(actor=actor, instance=row)


def _not_negative(values: Sequence[Decimal], indicator: Indicator) -> None:
    for v in values:
        if v < 0:
            raise ValidationError(_("目标不能为负数。"))
        if v != v.quantize(Decimal(1).scaleb(-indicator.places)):
            raise ValidationError(
                _("%(name)s的目标只能精确到 %(places)s 位小数。")
                % {"name": indicator.name, "places": indicator.places}
            )


@transaction.atomic
def company_targets_save(
    *,
    actor: Any,
    indicator: Indicator,
    year: int,
    total: Decimal,
    grids: Mapping[Grid, Decimal],
) -> None:
    """The company's year and its grids' shares; refused unless the grids add up."""
    require(actor, Action.PLAN)
    _not_negative([total, *grids.values()], indicator)
    found = decompose.check(total, {g.pk: v for g, v in grids.items()})
    if found:
        raise TargetsDontAddUp(found, {})
    base = {"indicator": indicator, "year": year, "month": 0}
    _put(actor=actor, value=total, level=Target.Level.COMPANY, **base)
    for grid, value in grids.items():
        _put(actor=actor, value=value, level=Target.Level.GRID, grid=grid, **base)
    _remove(
        actor=actor,
        qs=Target.objects.filter(level=Target.Level.GRID, **base).exclude(grid__in=list(grids)),
    )


@transaction.atomic
def grid_targets_save(
    *,
    actor: Any,
    indicator: Indicator,
    year: int,
    grid: Grid,
    people: Mapping[Staff, Sequence[Decimal]],
) -> None:
    """A grid's target split over its people, each in twelve months (their year is the
    sum). Refused unless the people add up to the grid's target, which the market
    department set; a person left out loses their target of this indicator and year."""
    require(actor, Action.EDIT, grid)
    grid_row = Target.objects.filter(
        indicator=indicator, year=year, month=0, level=Target.Level.GRID, grid=grid
    ).first()
    if grid_row is None:
        raise ValidationError(_("市场部尚未下达本网格的年度目标。"))
    for months in people.values():
        if len(months) != decompose.MONTHS:
            raise ValidationError(_("每人须有 12 个月的目标。"))
        _not_negative(list(months), indicator)
    years = {p.pk: sum(m, Decimal(0)) for p, m in people.items()}
    found = decompose.check(grid_row.value, {grid.name: grid_row.value}, {grid.name: years})
    if found:
        raise TargetsDontAddUp(found, {})
    base = {"indicator": indicator, "year": year, "level": Target.Level.PERSON, "team": None}
    _put_people(actor=actor, indicator=indicator, year=year, team=None, grid=grid, values=people)
    _remove(
        actor=actor,
        qs=Target.objects.filter(grid=grid, **base).exclude(staff__in=list(people)),
    )


@transaction.atomic
def team_targets_save(
    *,
    actor: Any,
    indicator: Indicator,
    year: int,
    team: Team,
    total: Decimal,
    members: Mapping[Staff, Sequence[Decimal]],
) -> None:
    """A virtual team's own target and its members' second set (the team's), in months."""
    require(actor, Action.PLAN)
    if team.kind != Team.Kind.VIRTUAL:
        raise ValidationError(_("只有虚拟团队另设团队目标。"))
    _not_negative([total], indicator)
    for months in members.values():
        if len(months) != decompose.MONTHS:
            raise ValidationError(_("每人须有 12 个月的目标。"))
        _not_negative(list(months), indicator)
    years = {p.pk: sum(m, Decimal(0)) for p, m in members.items()}
    if members:
        found = decompose.check(total, {team.name: total}, {team.name: years})
        if found:
            raise TargetsDontAddUp(found, {})
    base = {"indicator": indicator, "year": year}
    _put(actor=actor, value=total, level=Target.Level.TEAM, team=team, month=0, **base)
    _put_people(actor=actor, indicator=indicator, year=year, team=team, grid=None, values=members)
    _remove(
        actor=actor,
        qs=Target.objects.filter(level=Target.Level.PERSON, team=team, **base).exclude(
            staff__in=list(members)
        ),
    )


def person_target_import(
    *,
    actor: Any,
    indicator: Indicator,
    year: int,
    staff: Staff,
    grid: Grid | None,
    months: Sequence[Decimal],
) -> bool:
    """One person's year and months from a sheet (the import checks the months add up to
    the year). Returns whether the person had no target of this indicator and year."""
    if grid is not None:
        require(actor, Action.EDIT, grid)
    else:
        require(actor, Action.PLAN)
    base = {"indicator": indicator, "year": year, "level": Target.Level.PERSON, "team": None}
    created = not Target.objects.filter(staff=staff, month=0, **base).exists()
    _put_people(
        actor=actor,
        indicator=indicator,
        year=year,
        team=None,
        grid=grid,
        values={staff: list(months)},
    )
    return created


def grid_people_check(*, indicator: Indicator, year: int, grid: Grid) -> list[str]:
    """What does not add up in a grid's decomposition as it stands (for the page)."""
    rows = Target.objects.filter(indicator=indicator, year=year, team=None).filter(
        Q(level=Target.Level.GRID, grid=grid) | Q(level=Target.Level.PERSON, grid=grid)
    )
    grid_total = Decimal(0)
    persons: dict[int, Decimal] = {}
    months: dict[int, list[Decimal]] = {}
    for r in rows:
        if r.level == Target.Level.GRID and r.month == 0:
            grid_total = r.value
        elif r.level == Target.Level.PERSON and r.month == 0:
            persons[r.staff_id or 0] = r.value
        elif r.level == Target.Level.PERSON:
            months.setdefault(r.staff_id or 0, []).append(r.value)
    names = {p.pk: p.name for p in grid_people(grid)}
    found = decompose.check(grid_total, {grid.name: grid_total}, {grid.name: persons}, months)
    return [describe(d, names) for d in found]
