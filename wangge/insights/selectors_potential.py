"""Market potential read from the database: the model's input (`estates`), its fit on the
county with the split among people (`compute`, the nightly job's work), and the stored
result (`stored`, `untapped`, `person_share`) that the potential page, its API, the person
dashboard and the lower apps (through `core.potential`) read. Nothing here that a page
calls fits the model.

The model learns from every estate of the county (a grid's few estates say little);
what a user sees of it is scoped like every list: their grids, their sites.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core import potential as provider
from wangge.crm.models import CompetitorIntel, CompetitorOffer, Customer
from wangge.insights import potential
from wangge.insights.models import PersonPotential, PotentialRun, SiteForecast
from wangge.org.models import Grid
from wangge.territory.models import Site, SurveyAssignment

#: Sites whose households count (premises have staff, not households).
HOUSEHOLD_KINDS = (Site.Kind.ESTATE, Site.Kind.BUILDING)
KIND_LABELS = Site.Kind.choices


def estates(grid_id: int | None = None) -> list[potential.Estate]:
    """The estates in a grid (one grid's, or all) as the model reads them: the survey's
    figures, today's subscribers, and what the crm knows of competitors there."""
    sites = Site.objects.filter(kind=Site.Kind.ESTATE, grid__isnull=False).select_related("grid")
    if grid_id is not None:
        sites = sites.filter(grid_id=grid_id)
    sites_by_id = {s.pk: s for s in sites}
    today = clock.today()
    rivals: dict[int, int] = defaultdict(int)
    first: dict[int, Any] = {}
    for site_id, launched in CompetitorIntel.objects.filter(site_id__in=sites_by_id).values_list(
        "site_id", "launched_on"
    ):
        rivals[site_id] += 1
        if launched is not None and (site_id not in first or launched < first[site_id]):
            first[site_id] = launched
    cheapest: dict[int, Decimal] = {}
    offers = CompetitorOffer.objects.filter(intel__site_id__in=sites_by_id).exclude(
        ended_on__lt=today
    )
    for offer in offers.select_related("intel"):
        monthly = offer.monthly_equivalent
        site_id = offer.intel.site_id
        if monthly is not None and (site_id not in cheapest or monthly < cheapest[site_id]):
            cheapest[site_id] = monthly

    def share(value: Any) -> float | None:
        return None if value is None else float(value)

    return [
        potential.Estate(
            id=s.pk,
            name=s.name,
            grid=s.grid.code if s.grid else "",
            households=s.households,
            customers=s.customers,
            occupancy=share(s.occupancy_rate),
            pc_owners=s.pc_owners,
            young_share=share(s.owners_young_share),
            senior_share=share(s.owners_senior_share),
            tenant_share=share(s.tenant_share),
            competitors=rivals.get(s.pk, 0),
            competitor_years=(today - first[s.pk]).days / 365.25 if s.pk in first else None,
            competitor_price=float(cheapest[s.pk]) if s.pk in cheapest else None,
        )
        for s in sites_by_id.values()
    ]


@dataclass
class Computed:
    """A fit on the county's estates (`compute`): what the nightly job stores."""

    model: potential.Model
    evaluation: potential.Evaluation
    forecasts: list[potential.Forecast]  # ranked by untapped potential
    #: (grid id, staff id or None, basis, untapped, sites): the grids' potential by person.
    people: list[tuple[int, int | None, str, int, int]]
    seconds: float = 0.0


def compute() -> Computed:
    """Fit on every estate, measure the held-out error, forecast each estate and split each
    grid's untapped potential among its people. Seconds on a county: the nightly job's
    work (and `wangge potential`'s), never a page's."""
    started = time.perf_counter()
    every = estates()
    model = potential.fit(every)
    evaluation = potential.cross_validate(every)
    forecasts = potential.forecast(model, every)
    people = split_people({f.estate.id: f.untapped for f in forecasts})
    return Computed(model, evaluation, forecasts, people, time.perf_counter() - started)


def split_people(modelled: dict[int, int]) -> list[tuple[int, int | None, str, int, int]]:
    """Each household site's untapped potential (`modelled` for estates, households −
    subscribers for the rest) goes to whoever is assigned to survey it (a building: its
    estate's surveyor), else to the owners of its customers by how many each owns there,
    else to nobody yet. Summed per grid, person and basis."""
    sites = Site.objects.filter(kind__in=HOUSEHOLD_KINDS, grid__isnull=False).values_list(
        "pk", "grid_id", "estate_id", "households", "customers"
    )
    left: dict[int, tuple[int, int]] = {}  # site → (grid, untapped)
    estate_of: dict[int, int] = {}
    for pk, grid_id, estate_id, households, customers in sites:
        u = modelled.get(pk, provider.stand_in(households, customers))
        if u > 0:
            left[pk] = (grid_id, u)
            if estate_id is not None:
                estate_of[pk] = estate_id
    surveyor = dict(SurveyAssignment.objects.values_list("site_id", "assignee_id"))
    owned: dict[int, dict[int, int]] = defaultdict(dict)
    # One pass over the customers with an owner, grouped by site and owner (the sites
    # with a surveyor are the minority; filtering them out would cost a longer query).
    rows = (
        Customer.objects.filter(owner__isnull=False)
        .values("site_id", "owner_id")
        .annotate(n=Count("pk"))
        .values_list("site_id", "owner_id", "n")
    )
    for site_id, owner_id, n in rows.iterator(chunk_size=10_000):
        if site_id in left:
            owned[site_id][owner_id] = n
    Basis = PersonPotential.Basis
    totals: dict[tuple[int, int | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for pk, (grid_id, u) in left.items():
        who = surveyor.get(pk) or surveyor.get(estate_of.get(pk, 0))
        if who is not None:
            parts: dict[int | None, int] = {who: u}
            basis = Basis.SURVEY.value
        elif owned.get(pk):
            parts = {k: v for k, v in potential.share_out(u, owned[pk]).items()}
            basis = Basis.OWNED.value
        else:
            parts, basis = {None: u}, Basis.NOBODY.value
        for staff_id, part in parts.items():
            t = totals[(grid_id, staff_id, basis)]
            t[0] += part
            t[1] += 1
    return [(g, s, b, u, n) for (g, s, b), (u, n) in sorted(totals.items(), key=str)]


@dataclass
class Stored:
    """The latest stored run, as the page, the API and the provider read it."""

    run: PotentialRun
    #: site id → (forecast penetration, potential customers); the factors are read for
    #: the rows shown only (`with_factors`): decoding every estate's made a county page's
    #: garbage, and its collections, the larger part of its time.
    forecasts: dict[int, tuple[float, int]]


def latest_run() -> PotentialRun | None:
    return PotentialRun.objects.order_by("-computed_at", "-pk").first()


def stored() -> Stored | None:
    """The latest run with its forecasts (a county's estates: a few thousand rows); None
    before the first."""
    run = latest_run()
    if run is None:
        return None
    rows = SiteForecast.objects.filter(run=run)
    forecasts = {pk: (p, n) for pk, p, n in rows.values_list("site_id", "penetration", "potential")}
    return Stored(run, forecasts)


def with_factors(c: Stored | None, rows: list[SiteRow]) -> list[SiteRow]:
    """Fill in the factors of the modelled rows among `rows` (those shown)."""
    ids = [r.id for r in rows if r.modelled]
    if c is None or not ids:
        return rows
    factors = dict(
        SiteForecast.objects.filter(run=c.run, site_id__in=ids).values_list("site_id", "factors")
    )
    for r in rows:
        r.factors = [(label, value) for label, value in factors.get(r.id, [])]
    return rows


#: Ids asked for in one `IN (…)`; more are read whole and filtered here (a county's
#: estates are a few thousand rows).
IN_LIST_MAX = 2000


def untapped(site_ids: Collection[int]) -> dict[int, int]:
    """The provider `core.potential` asks (performance, sales): the latest run's potential
    of those of `site_ids` that are estates, less their subscribers of the moment."""
    if not site_ids:
        return {}
    run = latest_run()
    if run is None:
        return {}
    rows = SiteForecast.objects.filter(run=run)
    if len(site_ids) <= IN_LIST_MAX:
        rows = rows.filter(site_id__in=site_ids)
    wanted = set(site_ids)
    return {
        pk: provider.stand_in(n, c)
        for pk, n, c in rows.values_list("site_id", "potential", "site__customers")
        if pk in wanted
    }


def people_untapped(
    staff_ids: Collection[int], grid_id: int | None = None
) -> dict[int, int] | None:
    """The provider's person split (performance's target weights): each person's untapped
    potential in the latest run, of one grid or all their grids; None before the first."""
    run = latest_run()
    if run is None:
        return None
    if not staff_ids:
        return {}
    rows = PersonPotential.objects.filter(run=run, staff_id__in=staff_ids)
    if grid_id is not None:
        rows = rows.filter(grid_id=grid_id)
    got = rows.values("staff_id").annotate(n=Sum("untapped")).values_list("staff_id", "n")
    return {pk: int(n or 0) for pk, n in got}


PROVIDER = provider.Provider(untapped=untapped, label=_("市场潜力模型预测"), people=people_untapped)


@dataclass
class PersonShare:
    """One person's share of the potential in the latest run, per basis."""

    run: PotentialRun
    untapped: int = 0
    sites: int = 0
    by_basis: dict[str, tuple[int, int]] = field(default_factory=dict)  # basis → (untapped, sites)

    @property
    def rows(self) -> list[tuple[PersonPotential.Basis, tuple[int, int]]]:
        return [(b, self.by_basis[b]) for b in PersonPotential.Basis if b in self.by_basis]


def person_share(user: Any, staff_id: int) -> PersonShare | None:
    """The person dashboard's figure: what the latest run gave `staff_id` (scoped: one's
    own, one's team's for a manager). None before the first run."""
    run = latest_run()
    if run is None:
        return None
    out = PersonShare(run)
    rows = (
        PersonPotential.objects.visible_to(user)
        .filter(run=run, staff_id=staff_id)
        .values("basis")
        .annotate(u=Sum("untapped"), n=Sum("sites"))
        .values_list("basis", "u", "n")
    )
    for basis, u, n in rows:
        out.by_basis[basis] = (int(u or 0), int(n or 0))
        out.untapped += int(u or 0)
        out.sites += int(n or 0)
    return out


# --- the page's and the API's rows ----------------------------------------------------------


class _Ratios:
    __slots__ = ()
    households: int
    customers: int
    rivals: int
    potential: int

    @property
    def penetration(self) -> float | None:
        return self.customers / self.households if self.households else None

    @property
    def rival_share(self) -> float | None:
        """The competitors' share of the subscribed households: theirs / (ours + theirs)."""
        total = self.customers + self.rivals
        return self.rivals / total if total else None

    @property
    def forecast_penetration(self) -> float | None:
        return self.potential / self.households if self.households else None


@dataclass(slots=True)
class SiteRow(_Ratios):
    id: int
    code: str
    name: str
    kind: str
    grid_id: int | None
    households: int
    customers: int
    rivals: int  # competitors' estimated customers there
    potential: int  # customers the site can bring in all
    untapped: int
    modelled: bool  # the model's forecast (an estate), else households − subscribers
    factors: list[tuple[str, float]] = field(default_factory=list)


@dataclass(slots=True)
class GridRow(_Ratios):
    id: int
    code: str
    name: str
    households: int = 0
    customers: int = 0
    rivals: int = 0
    potential: int = 0
    untapped: int = 0
    sites: int = 0
    modelled: int = 0  # of which the model forecasts


SORTS = ("untapped", "potential", "households", "customers", "penetration", "rival_share")


def sort_rows(rows: list[Any], sort: str) -> list[Any]:
    """Largest first by one of `SORTS` (unknown: untapped); rows without the figure last."""
    key = sort if sort in SORTS else "untapped"

    def value(r: Any) -> tuple[bool, float, str]:
        v = getattr(r, key)
        return (v is None, -(v or 0), r.code)

    return sorted(rows, key=value)


def _rivals(sites: Any) -> dict[int, int]:
    """The competitors' estimated customers per site of `sites` (a queryset: a subquery,
    not a list of thousands of ids)."""
    rows = (
        CompetitorIntel.objects.filter(site__in=sites.values("pk"))
        .values("site_id")
        .annotate(n=Sum("customers_estimate"))
        .values_list("site_id", "n")
    )
    return {pk: int(n or 0) for pk, n in rows}


def site_rows(*, user: Any, c: Stored | None, grid_id: int | None = None) -> list[SiteRow]:
    """The household sites the user sees (of one grid, or all theirs), each with its
    potential: the model's for an estate, households − subscribers otherwise."""
    sites = Site.objects.visible_to(user).filter(kind__in=HOUSEHOLD_KINDS, grid__isnull=False)
    if grid_id is not None:
        sites = sites.filter(grid_id=grid_id)
    fields = ("pk", "code", "name", "kind", "grid_id", "households", "customers")
    rows = list(sites.values_list(*fields))
    rivals = _rivals(sites) if rows else {}
    out = []
    for pk, code, name, kind, gid, households, customers in rows:
        f = c.forecasts.get(pk) if c is not None else None
        if f is not None:
            pot = f[1]
            left = provider.stand_in(pot, customers)
        else:
            left = provider.stand_in(households, customers)
            pot = customers + left
        out.append(
            SiteRow(pk, code, name, kind, gid, households, customers, rivals.get(pk, 0), pot,
                    left, f is not None)
        )  # fmt: skip
    return out


def grid_rows(*, user: Any, sites: list[SiteRow]) -> list[GridRow]:
    """The user's grids, each the sum of its sites' rows (a grid with none shows zeros)."""
    grids = Grid.objects.visible_to(user).filter(is_active=True).order_by("code")
    by_id = {g.pk: GridRow(g.pk, g.code, g.name) for g in grids}
    for s in sites:
        g = by_id.get(s.grid_id or 0)
        if g is None:
            continue
        g.households += s.households
        g.customers += s.customers
        g.rivals += s.rivals
        g.potential += s.potential
        g.untapped += s.untapped
        g.sites += 1
        g.modelled += s.modelled
    return list(by_id.values())
