"""The programme's three headline figures (区域全覆盖、客户全触及、市场全掌握), defined once.

Every measure is a share: a numerator over a denominator, both counts, computed here and
nowhere else; the definitions below are the text the pages show. The functions read as the
system (no user scope): the nightly snapshot stores what they return per grid and for the
county, and the pages read the snapshots, scoped.

A figure "as of" a past day reads today's records, narrowed by their own dates where they
have them (customers by when they were filed, contacts and verifications by when they
happened); what has no history is today's (`HISTORY_NOTE`, shown on the pages).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.crm.models import CompetitorIntel, Customer, resurvey_days
from wangge.org.models import GridMembership
from wangge.org.roles import Role
from wangge.retention.models import CollectionTask
from wangge.retention.models import Contact as CareContact
from wangge.sales.models import Visit
from wangge.service.models import OrderState, WorkOrder
from wangge.territory.models import Site, SurveyAssignment

#: Days a contact keeps a customer "reached" (the period of 客户全触及), ending on the day.
DEFAULT_REACH_DAYS = 30


def reach_days() -> int:
    """`WANGGE_REACH_DAYS`, read at call time (tests and deployments change it)."""
    return int(getattr(settings, "WANGGE_REACH_DAYS", DEFAULT_REACH_DAYS))


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.numerator + other.numerator, self.denominator + other.denominator)


ZERO = Ratio(0, 0)


@dataclass(frozen=True)
class Measure:
    key: str
    figure: str
    label: Promise
    numerator: Promise
    denominator: Promise
    definition: Promise


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    definition: Promise
    measures: tuple[Measure, ...]

    @property
    def headline(self) -> Measure:
        """The measure the figure is shown by; the others explain it."""
        return self.measures[0]


COVERAGE = "coverage"
REACH = "reach"
MARKET = "market"

STAFFED = Measure(
    "coverage.staffed",
    COVERAGE,
    _("有包干人员的单元"),
    _("有营销员和装维专员的单元"),
    _("全部单元"),
    _("单元所在网格至少有一名营销员（客户或销售）和一名安装维护专员（名单制、包干到人）。"),
)
NETWORK = Measure(
    "coverage.network",
    COVERAGE,
    _("网络覆盖率"),
    _("网络覆盖户数"),
    _("总户数"),
    _("全部单元的覆盖户数之和除以总户数之和。"),
)
SURVEYED = Measure(
    "coverage.surveyed",
    COVERAGE,
    _("复核期内普查的单元"),
    _("复核期内普查过的单元"),
    _("全部单元"),
    _("单元在复核期（WANGGE_RESURVEY_DAYS 天）内有实地核实记录。"),
)
REACHED = Measure(
    "reach.customers",
    REACH,
    _("客户触及率"),
    _("期间内接触过的客户"),
    _("在册客户"),
    _(
        "截至当日的在册客户中，近 WANGGE_REACH_DAYS 天（含当日）内至少有一次接触的比例："
        "销售拜访（未遇到人的不算）、维系联系、催缴有结果（已缴、承诺、拒绝；账单导入的缴费不算）、"
        "工单回访关闭。按客户所在网格和客户负责人统计。"
    ),
)
KNOWN = Measure(
    "market.known",
    MARKET,
    _("信息新鲜的小区"),
    _("普查和竞争情报都在复核期内的小区"),
    _("全部小区"),
    _("小区在复核期内既有实地普查，又至少有一条核实过的竞争对手情报。"),
)
PENETRATION = Measure(
    "market.penetration",
    MARKET,
    _("渗透率"),
    _("现有用户数"),
    _("总户数"),
    _("小区和楼宇的现有用户数之和除以总户数之和（单位不计：其用户数不按户计）。"),
)
SHARE = Measure(
    "market.share",
    MARKET,
    _("市场占有率"),
    _("我方用户数"),
    _("我方用户数加竞争对手估计用户数"),
    _("小区和楼宇的现有用户数，除以它与竞争情报中各竞争对手估计用户数之和。"),
)

FIGURES: tuple[Figure, ...] = (
    Figure(
        COVERAGE,
        _("区域全覆盖"),
        _("每个单元都有人包干、网络覆盖到户、信息按期普查。"),
        (STAFFED, NETWORK, SURVEYED),
    ),
    Figure(
        REACH,
        _("客户全触及"),
        _("每个客户在期间内都被接触过。"),
        (REACHED,),
    ),
    Figure(
        MARKET,
        _("市场全掌握"),
        _("每个小区的普查和竞争情报都是新的；渗透率和对竞争对手的占有率。"),
        (KNOWN, PENETRATION, SHARE),
    ),
)
MEASURES: dict[str, Measure] = {m.key: m for f in FIGURES for m in f.measures}

#: What a past day's figure can and cannot know: shown beside the trends. Records carry
#: the dates of their own events, but nothing keeps the history of a site's grid and
#: counts, a grid's team, a customer's site and owner, or a site's earlier verifications.
HISTORY_NOTE = _(
    "往日的数字按记录自身的日期计算：客户按建档时间，接触按发生时间，单元和竞争情报按核实时间。"
    "没有历史记录的按今天的计：单元所属网格、户数、覆盖户数和用户数，网格的团队，客户所在单元和负责人，"
    "调查分工；"
    "单元只保存最近一次核实，之后又核实过的单元在更早的日子里算作未普查。"
)

#: Whose figures a person's are: shown on the grid's team split and the person dashboard.
PERSON_NOTE = _(
    "个人的客户触及按本人名下的客户计；其余指标按分给本人调查的单元计（调查分工的小区和单位，"
    "楼宇随其小区）。没有分到单元的人只有客户触及；各人之和不必等于网格的数字"
    "（未分工的单元、网格外的客户）。"
)

#: Per grid (None: sites in no grid), the measure's ratio.
ByGrid = dict[int | None, Ratio]


@dataclass
class Results:
    """One day's figures: per grid, per person (reach only) and for the county."""

    on: dt.date
    grids: dict[str, ByGrid] = field(default_factory=dict)
    people: dict[str, dict[int, Ratio]] = field(default_factory=dict)

    def county(self, key: str) -> Ratio:
        total = ZERO
        for ratio in self.grids.get(key, {}).values():
            total = total + ratio
        return total

    def grid(self, key: str, grid_id: int) -> Ratio:
        return self.grids.get(key, {}).get(grid_id, ZERO)


# --- time windows -----------------------------------------------------------------------


def day_end(on: dt.date) -> dt.datetime:
    """The first instant after the local day `on`."""
    return clock.start_of_day(on + dt.timedelta(days=1))


def day_start(on: dt.date) -> dt.datetime:
    return clock.start_of_day(on)


def fresh_since(on: dt.date) -> dt.datetime:
    """Verifications at or after this instant are fresh on `on` (the re-survey period)."""
    return day_end(on) - dt.timedelta(days=resurvey_days())


def reach_start(on: dt.date) -> dt.date:
    return on - dt.timedelta(days=reach_days() - 1)


# --- coverage ----------------------------------------------------------------------------


def staffed_grid_ids() -> set[int]:
    """Grids with a named marketer and a named technician.

    PLUG-IN (infobase): if territory gains a per-site owner/technician (包干), count it here
    per site instead of per grid."""
    active = GridMembership.objects.filter(staff__user__is_active=True)
    marketers = set(
        active.filter(role__in=[Role.ACCOUNT_MARKETER, Role.SALES_MARKETER]).values_list(
            "grid_id", flat=True
        )
    )
    technicians = set(active.filter(role=Role.TECHNICIAN).values_list("grid_id", flat=True))
    return marketers & technicians


def surveyed_q(on: dt.date, prefix: str = "") -> Q:
    """The site was verified on the ground (`Site.verified_at`) within the re-survey period
    ending on `on`."""
    since, until = fresh_since(on), day_end(on)
    return Q(**{f"{prefix}verified_at__gte": since, f"{prefix}verified_at__lt": until})


# --- market ------------------------------------------------------------------------------

#: Sites whose customers are counted by household (premises count organisations).
HOUSEHOLD_KINDS = (Site.Kind.ESTATE, Site.Kind.BUILDING)


# --- reach -------------------------------------------------------------------------------


def _collection_done() -> Q:
    """A collection outcome someone recorded by talking to the customer (a payment that
    arrived from billing closes the task without anyone calling)."""
    st = CollectionTask.Status
    return Q(status__in=[st.PROMISED, st.REFUSED]) | Q(status=st.PAID, payment__isnull=True)


def contacted_ids(start: dt.date, on: dt.date) -> list[QuerySet[Any]]:
    """Subqueries of the ids of customers contacted between two local days (inclusive),
    one per app that records contacts."""
    since, until = day_start(start), day_end(on)
    return [
        Visit.objects.filter(customer__isnull=False, at__gte=since, at__lt=until)
        .exclude(outcome=Visit.Outcome.NOT_HOME)
        .values("customer_id"),
        CareContact.objects.filter(at__gte=since, at__lt=until).values("customer_id"),
        CollectionTask.objects.filter(
            _collection_done(), closed_on__gte=start, closed_on__lte=on
        ).values("customer_id"),
        WorkOrder.objects.filter(
            customer__isnull=False,
            state=OrderState.CLOSED,
            closed_at__gte=since,
            closed_at__lt=until,
        ).values("customer_id"),
    ]


@dataclass(frozen=True)
class _Sql:
    sql: str
    params: list[Any]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _reached_sql(start: dt.date, on: dt.date, customers: dict[str, list[int]]) -> _Sql:
    """The customers contacted between two local days, each once: the apps' contacts in
    one UNION; only those of the customers whose columns hold the values `customers`
    gives (a person's dashboard reads their own customers' contacts, not the county's)."""
    only = {f"customer__{column}__in": values for column, values in customers.items()}
    parts: list[str] = []
    params: list[Any] = []
    for i, ids in enumerate(contacted_ids(start, on)):
        sql, p = ids.filter(**only).order_by().query.sql_with_params()
        parts.append(f"SELECT u{i}.customer_id FROM ({sql}) u{i}")
        params += p
    return _Sql(" UNION ".join(parts), params)


def _reached(
    on: dt.date, group: str, *, owners: set[int] | None = None, site_ids: list[int] | None = None
) -> list[tuple[Any, ...]]:
    """(`group`…, customers on file on `on` reached in the period) grouped by `group`:
    columns of `c` (the customer) and `s` (its site).

    The contacted customers are joined to the customers, not asked for as `customer IN
    (contacts) OR …` per customer: PostgreSQL cannot turn an IN under an OR (an aggregate's
    FILTER) into a join and keeps it a subplan, hashed while the contacts' ids fit in
    `work_mem`; past that (a million contacts in the period) it re-read the contacts for
    every customer and the nightly snapshot ran for minutes, with fresh statistics or not.
    Here every plan is linear: the customers are found by their primary key, whichever
    side the planner starts from and however many contacts it expects."""
    customers: dict[str, list[int]] = {}
    if owners is not None:
        customers["owner_id"] = sorted(owners)
    if site_ids is not None:
        customers["site_id"] = sorted(site_ids)
    reached = _reached_sql(reach_start(on), on, customers)
    where = [f"c.{_q('created_at')} < %s"]
    params: list[Any] = [connection.ops.adapt_datetimefield_value(day_end(on))]
    for column, values in customers.items():
        where.append(f"c.{column} IN ({', '.join(['%s'] * len(values))})")
        params += values
    sql = (
        f"SELECT {group}, COUNT(*) FROM ({reached.sql}) r"
        f" JOIN {_q(Customer._meta.db_table)} c ON c.id = r.customer_id"
        f" JOIN {_q(Site._meta.db_table)} s ON s.id = c.site_id"
        f" WHERE {' AND '.join(where)} GROUP BY {group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*reached.params, *params])
        return list(cursor.fetchall())


def reach(on: dt.date, owners: set[int] | None = None) -> tuple[ByGrid, dict[int, Ratio]]:
    """Customers reached per grid (of their site) and per person (their owner); `owners`:
    only the customers these people own. One grouped pass over the customers on file and
    one over those reached, per grid and owner; both sums come from them."""
    if owners is not None and not owners:
        return {}, {}
    filed = Customer.objects.filter(created_at__lt=day_end(on)).order_by()
    if owners is not None:
        filed = filed.filter(owner_id__in=owners)
    hits = {(g, o): n for g, o, n in _reached(on, "s.grid_id, c.owner_id", owners=owners)}
    grids: dict[Any, Ratio] = defaultdict(lambda: ZERO)
    people: dict[int, Ratio] = defaultdict(lambda: ZERO)
    for r in filed.values("site__grid_id", "owner_id").annotate(n=Count("id")):
        g, o = r["site__grid_id"], r["owner_id"]
        ratio = Ratio(hits.get((g, o), 0), r["n"])
        grids[g] = grids[g] + ratio
        people[o] = people[o] + ratio
    return dict(grids), dict(people)


def reach_series(days: list[dt.date]) -> dict[dt.date, tuple[ByGrid, dict[int, Ratio]]]:
    """`reach` for many days at once, from one read of the contacts and one of the
    customers (the demo's back-fill and a month of history): equal to calling `reach` per
    day. Each customer is visited once: it counts from the first day it was on file and is
    reached on the days its contacts' periods cover."""
    if not days:
        return {}
    order = sorted(set(days))
    n = len(order)
    ends = [day_end(d) for d in order]
    window = reach_days()
    reached: dict[int, set[int]] = defaultdict(set)
    for ids in contacted_ids(order[0] - dt.timedelta(days=window - 1), order[-1]):
        for customer_id, day in _contact_days(ids):
            lo = bisect_left(order, day)
            hi = bisect_right(order, day + dt.timedelta(days=window - 1))
            reached[customer_id].update(range(lo, hi))
    grid_n: dict[int | None, list[int]] = defaultdict(lambda: [0] * (n + 1))
    grid_hit: dict[int | None, list[int]] = defaultdict(lambda: [0] * n)
    person_n: dict[int, list[int]] = defaultdict(lambda: [0] * (n + 1))
    person_hit: dict[int, list[int]] = defaultdict(lambda: [0] * n)
    customers = (
        Customer.objects.filter(created_at__lt=ends[-1])
        .order_by()
        .values_list("pk", "site__grid_id", "owner_id", "created_at")
    )
    for pk, grid_id, owner_id, created_at in customers.iterator(chunk_size=5000):
        first = bisect_right(ends, created_at)  # the first day it is on file at the end of
        grid_n[grid_id][first] += 1
        person_n[owner_id][first] += 1
        for i in reached.get(pk, ()):
            if i >= first:
                grid_hit[grid_id][i] += 1
                person_hit[owner_id][i] += 1
    grids = _cumulative(grid_n, grid_hit, n)
    people = _cumulative(person_n, person_hit, n)
    return {d: (grids[i], people[i]) for i, d in enumerate(order)}


def _cumulative(starts: dict[Any, list[int]], hits: dict[Any, list[int]], n: int) -> list[Any]:
    """Each day's ratio per key: the customers on file by then (a running sum of those
    starting each day) over them, the reached ones; a key with no customer yet is left out."""
    out: list[dict[Any, Ratio]] = [{} for _ in range(n)]
    for key, new in starts.items():
        on_file = 0
        hit = hits.get(key, [0] * n)
        for i in range(n):
            on_file += new[i]
            if on_file:
                out[i][key] = Ratio(hit[i], on_file)
    return out


def _contact_days(ids: QuerySet[Any]) -> Iterable[tuple[int, dt.date]]:
    """(customer, local day) of each contact in one app's subquery."""
    model = ids.model
    column = (
        "closed_on" if model is CollectionTask else ("closed_at" if model is WorkOrder else "at")
    )
    for customer_id, when in ids.values_list("customer_id", column).distinct():
        day = clock.local_date(when) if isinstance(when, dt.datetime) else when
        yield customer_id, day


# --- the site figures: per grid and per person ------------------------------------------

#: Per measure, per person (staff id), the measure's ratio.
ByPerson = dict[str, dict[int, Ratio]]


def surveyors() -> dict[int, int]:
    """Site → the person assigned to survey it (调查分工: estates and premises)."""
    return dict(SurveyAssignment.objects.order_by().values_list("site_id", "assignee_id"))


def _site_ratios(
    sites: list[tuple[Any, ...]],
    key_of: Any,
    staffed: set[int],
    fresh_intel: set[int],
    theirs: dict[int, int],
    since: dt.datetime,
    until: dt.datetime,
) -> dict[str, dict[Any, Ratio]]:
    """The six site measures of `sites`, summed per `key_of(site)` (None: left out)."""
    cov: dict[Any, list[int]] = defaultdict(lambda: [0] * 5)
    est: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    hh: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for site in sites:
        key = key_of(site)
        if key is False:
            continue
        pk, grid_id, kind, households, covered, customers, verified_at, _estate = site
        surveyed = verified_at is not None and since <= verified_at < until
        c = cov[key]
        c[0] += 1
        c[1] += grid_id in staffed
        c[2] += surveyed
        c[3] += covered or 0
        c[4] += households or 0
        if kind == Site.Kind.ESTATE:
            e = est[key]
            e[0] += 1
            e[1] += surveyed and pk in fresh_intel
        if kind in HOUSEHOLD_KINDS:
            h = hh[key]
            h[0] += customers or 0
            h[1] += households or 0
            h[2] += theirs.get(pk, 0)
    return {
        STAFFED.key: {k: Ratio(c[1], c[0]) for k, c in cov.items()},
        NETWORK.key: {k: Ratio(c[3], c[4]) for k, c in cov.items()},
        SURVEYED.key: {k: Ratio(c[2], c[0]) for k, c in cov.items()},
        KNOWN.key: {k: Ratio(e[1], e[0]) for k, e in est.items()},
        PENETRATION.key: {k: Ratio(h[0], h[1]) for k, h in hh.items()},
        SHARE.key: {k: Ratio(h[0], h[0] + h[2]) for k, h in hh.items()},
    }


def sites_series(days: list[dt.date]) -> dict[dt.date, tuple[dict[str, ByGrid], ByPerson]]:
    """Coverage and market known of each day, per grid and per person, from one read of
    the sites, the survey assignments and the competitor intelligence. Only the
    verifications depend on the day; the counts, households, staffing and assignments are
    today's (they have no history).

    A person's sites are those assigned to them to survey (调查分工), with the buildings of
    an estate assigned to them; a person with none has no site figures."""
    staffed = staffed_grid_ids()
    sites = list(
        Site.objects.order_by().values_list(
            "pk",
            "grid_id",
            "kind",
            "households",
            "covered_households",
            "customers",
            "verified_at",
            "estate_id",
        )
    )
    intel_at: dict[int, list[dt.datetime]] = defaultdict(list)
    theirs: dict[int, int] = defaultdict(int)
    for site_id, verified_at, estimate in CompetitorIntel.objects.order_by().values_list(
        "site_id", "verified_at", "customers_estimate"
    ):
        if verified_at is not None:
            intel_at[site_id].append(verified_at)
        theirs[site_id] += estimate or 0
    for stamps in intel_at.values():
        stamps.sort()
    assigned = surveyors()

    def person(site: tuple[Any, ...]) -> int | bool:
        who = assigned.get(site[0]) or (site[7] is not None and assigned.get(site[7]))
        return who or False

    out: dict[dt.date, tuple[dict[str, ByGrid], ByPerson]] = {}
    for day in days:
        since, until = fresh_since(day), day_end(day)
        fresh = set()
        for site_id, stamps in intel_at.items():
            i = bisect_left(stamps, since)
            if i < len(stamps) and stamps[i] < until:
                fresh.add(site_id)
        args = (staffed, fresh, theirs, since, until)
        out[day] = (
            _site_ratios(sites, lambda s: s[1], *args),
            _site_ratios(sites, person, *args),
        )
    return out


# --- all of them -------------------------------------------------------------------------


def compute(on: dt.date) -> Results:
    """Every measure on `on`, per grid and per person."""
    results = Results(on=on)
    grids, people = sites_series([on])[on]
    results.grids.update(grids)
    results.people.update(people)
    grids_reach, people_reach = reach(on)
    results.grids[REACHED.key] = grids_reach
    results.people[REACHED.key] = people_reach
    return results


def compute_people(on: dt.date, staff_ids: Iterable[int]) -> ByPerson:
    """Every measure of these people on `on` (a day without a snapshot): their sites'
    figures and the reach of the customers they own, without counting the county's."""
    ids = set(staff_ids)
    _grids, people = sites_series([on])[on]
    out = {key: {k: r for k, r in by.items() if k in ids} for key, by in people.items()}
    _g, reached = reach(on, owners=ids)
    out[REACHED.key] = reached
    return out


# --- one grid's sites (the map's drill-down) -----------------------------------------------


def site_figures(on: dt.date, site_ids: list[int]) -> dict[int, dict[str, Ratio]]:
    """Each measure for each of the given sites, by the same definitions as the grids'
    (a site's staffing is its grid's; premises have no penetration or share)."""
    staffed = staffed_grid_ids()
    sites = Site.objects.filter(pk__in=site_ids).order_by()
    surveyed = set(sites.filter(surveyed_q(on)).values_list("pk", flat=True))
    intel = set(
        CompetitorIntel.objects.filter(
            site_id__in=site_ids, verified_at__gte=fresh_since(on), verified_at__lt=day_end(on)
        ).values_list("site_id", flat=True)
    )
    theirs = dict(
        CompetitorIntel.objects.filter(site_id__in=site_ids)
        .order_by()
        .values("site_id")
        .annotate(n=Coalesce(Sum("customers_estimate"), 0))
        .values_list("site_id", "n")
    )
    on_file = dict(
        Customer.objects.filter(site_id__in=site_ids, created_at__lt=day_end(on))
        .order_by()
        .values("site_id")
        .annotate(n=Count("id"))
        .values_list("site_id", "n")
    )
    hits = dict(_reached(on, "c.site_id", site_ids=site_ids))
    out: dict[int, dict[str, Ratio]] = {}
    for s in sites.only("pk", "kind", "grid_id", "households", "covered_households", "customers"):
        one = int(s.pk in surveyed)
        row = {
            STAFFED.key: Ratio(int(s.grid_id in staffed), 1),
            NETWORK.key: Ratio(s.covered_households, s.households),
            SURVEYED.key: Ratio(one, 1),
            REACHED.key: Ratio(hits.get(s.pk, 0), on_file.get(s.pk, 0)),
        }
        if s.kind == Site.Kind.ESTATE:
            row[KNOWN.key] = Ratio(int(one and s.pk in intel), 1)
        if s.kind in HOUSEHOLD_KINDS:
            row[PENETRATION.key] = Ratio(s.customers, s.households)
            row[SHARE.key] = Ratio(s.customers, s.customers + int(theirs.get(s.pk, 0)))
        out[s.pk] = row
    return out
