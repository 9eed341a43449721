"""Market potential read from the database: the model's input (`estates`), its fit on the
county, and the per-grid and per-site figures the potential page, its API and the lower
apps (through `core.potential`) show.

The model learns from every estate of the county (a grid's few estates say little);
what a user sees of it is scoped like every list: their grids, their sites.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core import potential as provider
from wangge.crm.models import CompetitorIntel, CompetitorOffer
from wangge.insights import potential
from wangge.org.models import Grid
from wangge.territory.models import Site

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
class County:
    """The model fitted on the county's estates and its forecast of each, by site id."""

    model: potential.Model
    forecasts: dict[int, potential.Forecast]
    evaluation: potential.Evaluation | None = None


#: The last fit and what it was fitted on (`_inputs`): a fit costs seconds on a county, and
#: the dispatch board asks on every load. Any edit of a site, a survey, a subscriber count or
#: competitor intelligence changes the inputs' fingerprint, and so does a new day.
_fitted: dict[str, Any] = {}


def _inputs() -> tuple[Any, ...]:
    sites = Site.objects.filter(kind=Site.Kind.ESTATE, grid__isnull=False).aggregate(
        n=Count("pk"),
        last=Max("pk"),
        versions=Sum("version"),
        households=Sum("households"),
        customers=Sum("customers"),
        grids=Sum("grid_id"),
        verified=Max("verified_at"),
        # The survey's factors: an edit that bumps no version still changes a sum.
        occupancy=Sum("occupancy_rate"),
        pcs=Sum("pc_owners"),
        young=Sum("owners_young_share"),
        senior=Sum("owners_senior_share"),
        tenants=Sum("tenant_share"),
    )
    intel = CompetitorIntel.objects.aggregate(
        n=Count("pk"), last=Max("pk"), launched=Max("launched_on"), sites=Sum("site_id")
    )
    offers = CompetitorOffer.objects.aggregate(
        n=Count("pk"), last=Max("pk"), ended=Max("ended_on"), intel=Sum("intel_id")
    )
    return (clock.today(), tuple(sites.values()), tuple(intel.values()), tuple(offers.values()))


def county(*, evaluate: bool = False) -> County:
    """Fit on every estate; `evaluate` also measures the held-out error (five more fits)."""
    key = _inputs()
    cached: County | None = _fitted.get("county") if _fitted.get("key") == key else None
    if cached is not None and (cached.evaluation is not None or not evaluate):
        return cached
    every = estates()
    if cached is None:
        model = potential.fit(every)
        forecasts = {f.estate.id: f for f in potential.forecast(model, every)}
        cached = County(model, forecasts)
    if evaluate:
        cached.evaluation = potential.cross_validate(every)
    _fitted.update(key=key, county=cached)
    return cached


def untapped(site_ids: Collection[int]) -> dict[int, int]:
    """The provider `core.potential` asks (performance, sales): the model's untapped
    customers of those of `site_ids` that are estates."""
    if not site_ids:
        return {}
    wanted = set(site_ids)
    return {pk: f.untapped for pk, f in county().forecasts.items() if pk in wanted}


PROVIDER = provider.Provider(untapped=untapped, label=_("市场潜力模型预测"))


# --- the page's and the API's rows ----------------------------------------------------------


class _Ratios:
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


@dataclass
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


@dataclass
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


def _rivals(site_ids: Collection[int]) -> dict[int, int]:
    rows = (
        CompetitorIntel.objects.filter(site_id__in=site_ids)
        .values("site_id")
        .annotate(n=Sum("customers_estimate"))
        .values_list("site_id", "n")
    )
    return {pk: int(n or 0) for pk, n in rows}


def site_rows(*, user: Any, c: County, grid_id: int | None = None) -> list[SiteRow]:
    """The household sites the user sees (of one grid, or all theirs), each with its
    potential: the model's for an estate, households − subscribers otherwise."""
    sites = Site.objects.visible_to(user).filter(kind__in=HOUSEHOLD_KINDS, grid__isnull=False)
    if grid_id is not None:
        sites = sites.filter(grid_id=grid_id)
    fields = ("pk", "code", "name", "kind", "grid_id", "households", "customers")
    rows = list(sites.values_list(*fields))
    rivals = _rivals([r[0] for r in rows]) if rows else {}
    out = []
    for pk, code, name, kind, gid, households, customers in rows:
        f = c.forecasts.get(pk)
        if f is not None:
            pot, left, factors = f.potential, f.untapped, f.factors
        else:
            left = provider.stand_in(households, customers)
            pot, factors = customers + left, []
        out.append(
            SiteRow(pk, code, name, kind, gid, households, customers, rivals.get(pk, 0), pot,
                    left, f is not None, factors)
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
