"""Reads of the information base for users: every one takes the acting user and is scoped.

List selectors load what their pages and API show in a fixed number of queries (related
rows joined or prefetched), so a page of customers costs the same with 100 or 100,000 rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.http import Http404

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.pagination import bounded_count, counted_in_parts, searched
from wangge.core.permissions import CoreAction, can
from wangge.crm import search
from wangge.crm.models import (
    Competitor,
    CompetitorIntel,
    CompetitorOffer,
    Customer,
    Organization,
    Product,
    SiteCustomerCount,
    Subscription,
    TariffPlan,
    resurvey_cutoff,
    stale_q,
)
from wangge.crm.models.scopes import grid_customers_visible
from wangge.crm.permissions import Action
from wangge.org.selectors import phone_for
from wangge.territory.models import Site

M = TypeVar("M", bound=models.Model)


#: The renewal list's windows (days to expiry) the subscription page offers.
RENEWAL_WINDOWS = (7, 30, 90)


def _visible(model: type[M], user: Any) -> QuerySet[M]:
    """What the user may see (`SYSTEM`, a command-line export without `--as`, sees
    everything), so the lists' filters have one definition for both."""
    return model._default_manager.visible_to(user)  # type: ignore[attr-defined]


def phone_shown(*, user: Any, phone: str, customer: Customer) -> str:
    """A phone on a customer's record as this user may see it. The named owner always sees
    their own customers' numbers (agents included); other roles need `VIEW_PHONE`."""
    return phone_for(user=user, phone=phone, owner_user_id=customer.owner.user_id)


def _resurvey_due(prefix: str = "") -> Q:
    """A customer is due for re-survey if it, or (for a group) its survey, is stale."""
    cutoff = resurvey_cutoff()
    return stale_q(prefix, cutoff=cutoff) | (
        Q(**{f"{prefix}kind": Customer.Kind.GROUP})
        & stale_q(f"{prefix}organization__", cutoff=cutoff)
    )


class _AnyOf(Func):
    """`expression IN (subquery)`, written `= ANY(ARRAY(subquery))` on PostgreSQL: there
    the subquery runs once and the ids are looked up in the primary key, so the condition
    can join the other columns' (trigram) indexes in one bitmap OR, where an `IN (subquery)`
    beside them makes PostgreSQL read the whole table."""

    output_field = BooleanField()

    def as_sql(  # type: ignore[override]  # function/template/arg_joiner have no use here
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        lhs, subquery = self.get_source_expressions()
        lhs_sql, lhs_params = compiler.compile(lhs)
        sub_sql, sub_params = compiler.compile(subquery)
        op = "= ANY(ARRAY{})" if connection.vendor == "postgresql" else "IN {}"
        return f"{lhs_sql} {op.format(sub_sql)}", [*lhs_params, *sub_params]


def _customer_search(user: Any, q: str, prefix: str = "", org: str = "organization__") -> Q:
    """One search for the customer and organisation lists (and their exports): name,
    number, door address, and for a group customer its contact; phones (the customer's and
    the contact's, which the list shows) only for those who may see numbers, since a search
    by number would let anyone else confirm who owns it.

    From the customer list (`org` is the organisation relation) the contact's match is the
    few group customers whose survey matches, not a condition on a joined row, so that each
    condition on the customer can use its own index (PostgreSQL's trigram indexes)."""
    phones = can(user, CoreAction.VIEW_PHONE)
    match = (
        Q(**{f"{prefix}name__icontains": q})
        | Q(**{f"{prefix}code__iexact": q})
        | Q(**{f"{prefix}address__icontains": q})
    )
    if phones:
        match |= Q(**{f"{prefix}phone__contains": q})
    contact = Q(contact_name__icontains=q) | (Q(contact_phone__contains=q) if phones else Q())
    # On SQLite the n-gram index names the customers that can match; the conditions above
    # then decide, on those rows only (`crm.search`). An agent's list is their own accounts,
    # read from the owner index: the index's candidates would only add lookups.
    own_only = scope_for(user).own_records_only
    can_match = None if own_only else search.candidates(q, phones=phones)
    # On PostgreSQL a search shorter than a trigram asks the 1- and 2-character pieces'
    # indexes (crm 0018) the same way: each condition gets an indexed twin that can only
    # widen it, so the twins' bitmap OR finds the candidates and the conditions decide.
    short = org and not prefix and not own_only and search.short(q)
    if org:
        surveys = Organization.objects.filter(contact).order_by()
        if can_match is not None:
            surveys = surveys.filter(customer_id__in=can_match)
        if short:
            surveys = surveys.filter(_short_contact(q, phones))
        in_surveys = Q(_AnyOf(F(f"{prefix}pk"), Subquery(surveys.values("customer_id"))))
        found = match | in_surveys
        if short:
            found = (_short_customer(q, phones) | Q(code__iexact=q) | in_surveys) & found
    else:
        found = match | Q(contact)
    if can_match is not None:
        found = Q(**{f"{prefix}pk__in": can_match}) & found
    return found


def _short_customer(q: str, phones: bool) -> Q:
    twins = Q(search.GramsHave(["name", "address"], q, upper=True))
    return twins | Q(search.GramsHave(["phone"], q, upper=False)) if phones else twins


def _short_contact(q: str, phones: bool) -> Q:
    twins = Q(search.GramsHave(["contact_name"], q, upper=True))
    return twins | Q(search.GramsHave(["contact_phone"], q, upper=False)) if phones else twins


def _scope_by_sites(user: Any) -> Q | None:
    """A grid team member's scope (`customer_q`: their grids' customers or their own) said
    through the customer's site: `site IN (the grids' sites) OR owner`, which the (site, …)
    and (owner, …) indexes answer. Beside the scope, not instead of it (`visible_to` still
    decides; this is the same set, for the planner). With the scope alone, a filtered list
    (`?tier=key`) read every one of the county's key customers and looked up each one's site
    to count a grid's: 190 ms for 9,800 of them at 1M; with this, 4–25 ms. None where it
    would not help (the market department, agents)."""
    scope = scope_for(user)
    if scope.everything or scope.own_records_only or not scope.grid_ids:
        return None
    sites = Site.objects.filter(grid_id__in=scope.grid_ids).values("id")
    return Q(site_id__in=sites) | Q(owner_id=scope.staff_id)


#: Up to this many own customers outside one's grids are listed by their ids.
ELSEWHERE_LISTED = 500


def _own_elsewhere(scope: Any) -> Any:
    """The ids of a grid team member's own customers whose site is outside their grids: a
    list when there are few (usually none), else a subquery (a rotated marketer's old
    accounts). Asked as `site IN (the other sites)`, each one a probe of the (owner, site)
    index: as `NOT IN (their grids' sites)` both databases read every customer the person
    owns (PostgreSQL the whole table: 190 ms CPU for 49,000 of them, against 2–17 ms)."""
    others = Site.objects.exclude(grid_id__in=scope.grid_ids).values("id")
    elsewhere = (
        Customer.objects.filter(owner_id=scope.staff_id)
        .filter(_AnyOf(F("site_id"), Subquery(others)))
        .order_by()
    )
    ids = list(elsewhere.values_list("id", flat=True)[: ELSEWHERE_LISTED + 1])
    return ids if len(ids) <= ELSEWHERE_LISTED else elsewhere.values("id")


def _lines_by_grid(user: Any) -> Q | None:
    """A grid team member's subscriptions (their grids' customers' or their own customers')
    said through the line's stored grid: `grid IN (their grids) OR customer IN (their own
    customers outside those grids)`, which the (grid, …) and (customer, …) indexes answer.
    Beside the scope, like `_scope_by_sites`: a grid manager's 30-day renewal list at 1M
    customers looked up each of the county's 67,000 expiring lines' customer and site to
    keep the grid's 7,600. Their own customers inside their grids are on the grid's side
    already: probed one by one as well, an account marketer's 49,000 customers made the
    renewal list's ids query 79 ms (SQLite). A line whose stored grid lags its customer's
    site may be left out, never shown to someone the scope hides it from. For someone
    without a grid (an agent), their own customers' lines."""
    scope = scope_for(user)
    if scope.everything or scope.staff_id is None:
        return None
    if scope.own_records_only or not scope.grid_ids:
        # An agent's (their few accounts' lines, from the customer index): without it
        # SQLite walked the county's expiring lines testing each one's owner (150 ms).
        # `= ANY(ARRAY(…))` on PostgreSQL, which it estimates (`_AnyOf`).
        mine = Customer.objects.filter(owner_id=scope.staff_id).order_by().values("id")
        return Q(_AnyOf(F("customer_id"), Subquery(mine)))
    on_grids = Q(grid_id__in=scope.grid_ids)
    elsewhere = _own_elsewhere(scope)
    if isinstance(elsewhere, list):
        return on_grids | Q(customer_id__in=elsewhere) if elsewhere else on_grids
    # Many: in one bitmap OR with the grid's on PostgreSQL (an `IN (subquery)` there is a
    # filter it cannot estimate, and it then hashed the whole customer table).
    return on_grids | Q(_AnyOf(F("customer_id"), Subquery(elsewhere)))


def customer_list(
    *,
    user: Any,
    q: str = "",
    grid_id: int | None = None,
    kind: str = "",
    relationship: str = "",
    tier: str = "",
    product_id: int | None = None,
    stale: bool = False,
    owner_id: int | None = None,
) -> QuerySet[Customer]:
    """Customers the user may see, filtered; each row carries `resurvey_due` (待复核)."""
    qs = _visible(Customer, user).select_related(
        "site", "site__grid", "owner", "organization", "current_provider"
    )
    if q:
        # The list's order, sorted from the matches: walking the name index instead reads
        # every name that sorts before the first match (a surname is one block of it).
        qs = qs.filter(_customer_search(user, q)).order_by(Coalesce("name", Value("")), "id")
    if grid_id:
        qs = qs.filter(site__grid_id=grid_id)
    if kind:
        qs = qs.filter(kind=kind)
    if relationship:
        qs = qs.filter(relationship=relationship)
    if tier:
        qs = qs.filter(tier=tier)
    # A filter the (site, filter) indexes hold: the unfiltered list stays as it is, since it
    # pages by walking the name index and stops at 50 rows, where this form sorts the grid's.
    by_sites = _scope_by_sites(user) if (kind or relationship or tier) and not q else None
    if by_sites is not None:
        qs = qs.filter(by_sites)
    if product_id:
        live = Subscription.objects.filter(
            plan__product_id=product_id, status__in=Subscription.LIVE_STATUSES
        )
        qs = qs.filter(pk__in=live.values("customer_id"))
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    due = _resurvey_due()
    if stale:
        qs = qs.filter(due)
    qs = qs.annotate(
        resurvey_due=Case(When(due, then=True), default=False, output_field=BooleanField())
    )
    return searched(qs) if q else _counted_by_sites(user, qs, filtered=by_sites is not None)


def _counted_by_sites(user: Any, qs: QuerySet[Customer], filtered: bool) -> QuerySet[Customer]:
    """A grid team member's list, counted in two disjoint parts (`counted_in_parts`): at
    their grids' sites, and their own customers elsewhere. Counted as one, the scope's OR
    over the customer and its site made PostgreSQL read the customer table until 10,001
    matched (47 ms CPU of a grid manager's every list page at 1M customers); each part
    has an index, (site, …) and (owner, site, …), and the second is counted only when the
    first is under the cap. The scope still applies to both."""
    scope = scope_for(user)
    if scope.everything or scope.own_records_only or not scope.grid_ids:
        return qs
    sites = Site.objects.filter(grid_id__in=scope.grid_ids).values("id")
    # Filtered, `= ANY(ARRAY(…))` on PostgreSQL: the sites are an index condition of the
    # (site, tier) and (site, relationship) indexes, where `IN (subquery)` read all of a
    # tier (48,000 key customers for a grid's 5,500: 48 → 9 ms). Unfiltered, `IN` lets it
    # read the site index site by site and stop at the cap, where `= ANY` builds the
    # grid's whole bitmap first. SQLite writes both as `IN`.
    on_grids = qs.filter(
        _AnyOf(F("site_id"), Subquery(sites)) if filtered else Q(site_id__in=sites)
    )
    elsewhere = qs.filter(owner_id=scope.staff_id).exclude(site_id__in=sites)
    return counted_in_parts(qs, [on_grids, elsewhere])


def grid_customer_counts(*, user: Any, grid: Any) -> dict[str, int]:
    """The customers at a grid's sites the user may see: all, subscribers, prospects.
    Where the user sees every customer of the grid (its team, the market department) the
    counts are the kept ones (`SiteCustomerCount`), one row per site of the grid: counted
    from the customers, the busiest grid's 112k rows cost PostgreSQL 180–230 ms of CPU (a
    hash of the whole customer table) and SQLite 70–80. Anyone else (an agent; an owner
    of a customer in a grid not theirs) is counted row by row through the scope, which
    reads only the rows they own."""
    if grid_customers_visible(scope_for(user), grid.pk):
        kept = SiteCustomerCount.objects.filter(site__grid_id=grid.pk).aggregate(
            **{f: Coalesce(Sum(f), 0) for f in ("customers", "subscribers", "prospects")}
        )
        return {k: int(v) for k, v in kept.items()}
    visible = _visible(Customer, user).filter(site__grid_id=grid.pk)
    return visible.aggregate(**SiteCustomerCount.tally())


def customer_detail(*, user: Any, pk: int) -> Customer:
    """One visible customer with what its page shows, or 404 (missing and forbidden alike)."""
    customer = (
        Customer.objects.visible_to(user)
        .select_related(
            "site", "site__grid", "owner", "current_provider", "verified_by", "organization"
        )
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def customer_subscriptions(*, customer: Customer) -> QuerySet[Subscription]:
    return customer.subscriptions.select_related("plan", "plan__product").order_by(
        "-started_on", "-id"
    )


def organization_list(
    *, user: Any, q: str = "", grid_id: int | None = None, stale: bool = False
) -> QuerySet[Organization]:
    qs = _visible(Organization, user).select_related(
        "customer", "customer__site", "customer__owner", "verified_by"
    )
    if q:
        qs = qs.filter(_customer_search(user, q, "customer__", org=""))
    if grid_id:
        qs = qs.filter(customer__site__grid_id=grid_id)
    if stale:
        qs = qs.filter(stale_q())
    return qs


def subscription_list(
    *,
    user: Any,
    q: str = "",
    grid_id: int | None = None,
    product_id: int | None = None,
    status: str = "",
    expiring_within: int | None = None,
    in_arrears: bool = False,
) -> QuerySet[Subscription]:
    """Subscriptions the user may see; `expiring_within` (days) makes a renewal list,
    `in_arrears` a collection list."""
    qs = _visible(Subscription, user).select_related(
        "customer", "customer__site", "customer__owner", "plan", "plan__product"
    )
    if q:
        qs = qs.filter(Q(customer__name__icontains=q) | Q(account_no__icontains=q))
    if grid_id:
        qs = qs.filter(customer__site__grid_id=grid_id)
    if product_id:
        qs = qs.filter(plan__product_id=product_id)
    if status:
        qs = qs.filter(status=status)
    if expiring_within is not None:
        qs = qs.filter(renewal_q(expiring_within)).order_by("expires_on", "id")
    if in_arrears:
        qs = qs.filter(arrears_q()).order_by("-arrears", "id")
    by_grid = _lines_by_grid(user) if expiring_within is not None or in_arrears else None
    if by_grid is not None:
        # Their lines come from two indexes at once (an OR), so no index holds the list's
        # order: said as expressions, the order makes the paginator read the sorted ids
        # once for the count and the page (`core.pagination.ranked`) instead of sorting
        # the scope-checked lines twice.
        first = OrderBy(F("arrears"), descending=True) if in_arrears else F("expires_on").asc()
        qs = qs.filter(by_grid).order_by(first, F("id").asc())
    return qs


def renewal_q(within: int) -> Q:
    """Live lines expiring from today to `within` days on (the renewal list's window)."""
    today = clock.today()
    return Q(
        status__in=Subscription.LIVE_STATUSES,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=within),
    )


def arrears_q() -> Q:
    """Lines in arrears (the collection list)."""
    return Q(arrears__gt=0)


def subscription_counts(
    *, user: Any, conditions: Mapping[str, Q], own: bool = False, cap: int | None = None
) -> dict[str, int]:
    """How many of the subscriptions `user` may see meet each of `conditions` (the today
    view's renewals and arrears); `own`: only those of customers they own. `cap`: count
    no further than `cap` + 1 (the today view's badges say "99+").

    For a grid team each count is two disjoint parts: the lines on their grids, by the
    lines' stored grid (`Subscription.grid`), and their own customers' lines elsewhere.
    The scope still applies to both (a stale stored grid can hide a line, never show one),
    but not the list's `grid IN (…) OR customer = ANY(own customers)` (`_lines_by_grid`):
    on the grids it is true of every line, and on PostgreSQL its other half fetched all of
    an account marketer's 65,826 customers' lines (60–100 ms per count) to add nothing.
    Said as one OR over the customer and its site, the scope made SQLite read every
    subscription of the county (387 ms CPU for a busy grid's manager at 1M customers)."""
    scope = scope_for(user)
    base = _visible(Subscription, user).order_by()
    if own:
        base = base.filter(customer__owner_id=scope.staff_id or -1)

    def count(part: QuerySet[Subscription]) -> int:
        return part.count() if cap is None else bounded_count(part, cap)

    if scope.everything or scope.own_records_only or not scope.grid_ids:
        return {key: count(base.filter(c)) for key, c in conditions.items()}
    elsewhere = _own_elsewhere(scope)
    counts = {}
    for key, condition in conditions.items():
        part = base.filter(condition)
        total = count(part.filter(grid_id__in=scope.grid_ids))
        if not isinstance(elsewhere, list) or elsewhere:
            part = part.filter(customer_id__in=elsewhere).exclude(grid_id__in=scope.grid_ids)
            total += count(part)
        counts[key] = total if cap is None else min(total, cap + 1)
    return counts


def product_list(*, user: Any) -> QuerySet[Product]:
    plans = TariffPlan.objects.order_by("monthly_price", "code")
    return Product.objects.visible_to(user).prefetch_related(Prefetch("plans", queryset=plans))


def plan_list(*, user: Any, product_id: int | None = None) -> QuerySet[TariffPlan]:
    qs = TariffPlan.objects.visible_to(user).select_related("product")
    if product_id:
        qs = qs.filter(product_id=product_id)
    return qs


def competitor_list(*, user: Any) -> QuerySet[Competitor]:
    return Competitor.objects.visible_to(user)


def _current_offers() -> Prefetch:
    today = clock.today()
    current = CompetitorOffer.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
    return Prefetch("offers", queryset=current.order_by("price", "id"), to_attr="current_offers")


def intel_list(
    *,
    user: Any,
    q: str = "",
    grid_id: int | None = None,
    competitor_id: int | None = None,
    site_id: int | None = None,
    stale: bool = False,
) -> QuerySet[CompetitorIntel]:
    qs = _visible(CompetitorIntel, user).select_related(
        "site", "site__grid", "competitor", "verified_by"
    )
    if q:
        qs = qs.filter(Q(site__name__icontains=q) | Q(site__code__icontains=q))
    if grid_id:
        qs = qs.filter(site__grid_id=grid_id)
    if competitor_id:
        qs = qs.filter(competitor_id=competitor_id)
    if site_id:
        qs = qs.filter(site_id=site_id)
    if stale:
        qs = qs.filter(stale_q())
    return qs.prefetch_related(_current_offers())


def intel_detail(*, user: Any, pk: int) -> CompetitorIntel:
    intel = (
        CompetitorIntel.objects.visible_to(user)
        .select_related("site", "site__grid", "competitor", "verified_by")
        .filter(pk=pk)
        .first()
    )
    if intel is None:
        raise Http404
    return intel


def offer_list(
    *,
    user: Any,
    site_id: int | None = None,
    grid_id: int | None = None,
    competitor_id: int | None = None,
    current: bool = False,
) -> QuerySet[CompetitorOffer]:
    qs = CompetitorOffer.objects.visible_to(user).select_related(
        "intel", "intel__site", "intel__competitor"
    )
    if site_id:
        qs = qs.filter(intel__site_id=site_id)
    if grid_id:
        qs = qs.filter(intel__site__grid_id=grid_id)
    if competitor_id:
        qs = qs.filter(intel__competitor_id=competitor_id)
    if current:
        qs = qs.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=clock.today()))
    return qs


@dataclass
class ProviderCount:
    name: str
    households: int


@dataclass
class SiteMarket:
    """Our penetration in a site beside what the competitors offer there."""

    site: Site
    households: int
    subscribers: int
    prospects: int
    customers: int
    providers: list[ProviderCount] = field(default_factory=list)
    unknown_provider: int = 0
    competitors: list[CompetitorIntel] = field(default_factory=list)
    plans: list[TariffPlan] = field(default_factory=list)
    can_survey: bool = False

    @property
    def penetration(self) -> float | None:
        """Subscribers per household; none where the site has no household count."""
        return self.subscribers / self.households if self.households else None


def site_market(*, user: Any, site: Site) -> SiteMarket:
    """The market section of a site page. An estate counts the customers of its buildings."""

    if not Site.objects.visible_to(user).filter(pk=site.pk).exists():
        raise Http404
    site_ids = [site.pk, *Site.objects.filter(estate_id=site.pk).values_list("pk", flat=True)]
    here = Customer.objects.filter(site_id__in=site_ids)
    ours = Q(relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS)
    totals = here.aggregate(
        customers=Count("id"),
        subscribers=Count("id", filter=ours),
        prospects=Count("id", filter=Q(relationship__in=Customer.PROSPECT_RELATIONSHIPS)),
    )
    rows = (
        here.exclude(ours)
        .values("current_provider__short_name")
        .annotate(n=Count("id"))
        .order_by("-n", "current_provider__short_name")
    )
    providers = [
        ProviderCount(r["current_provider__short_name"], r["n"])
        for r in rows
        if r["current_provider__short_name"]
    ]
    unknown = sum(r["n"] for r in rows if not r["current_provider__short_name"])
    competitors = list(
        CompetitorIntel.objects.filter(site_id__in=site_ids)
        .select_related("competitor", "verified_by")
        .prefetch_related(_current_offers())
        .order_by("competitor__code")
    )
    return SiteMarket(
        site=site,
        households=site.households,
        subscribers=totals["subscribers"],
        prospects=totals["prospects"],
        customers=totals["customers"],
        providers=providers,
        unknown_provider=unknown,
        competitors=competitors,
        plans=list(
            TariffPlan.objects.filter(is_active=True, product__is_active=True)
            .select_related("product")
            .order_by("product__kind", "monthly_price")
        ),
        can_survey=can(user, Action.SURVEY_SITE, site),
    )


def my_resurvey_count(*, user: Any) -> int:
    """How many of the user's own customers are due for re-survey (the owner's badge)."""
    scope = scope_for(user)
    if scope.staff_id is None:
        return 0
    # `_resurvey_due` in two index-friendly parts: the customers whose own verification is
    # stale (counted in the (owner, verified_at) index), and the group customers verified
    # recently whose survey (their Organization, made with them) is stale: few rows, found
    # from the organisation side. As one OR over a join it read every row an owner has.
    cutoff = resurvey_cutoff()
    mine = Customer.objects.filter(owner_id=scope.staff_id)
    own = mine.filter(stale_q(cutoff=cutoff)).count()
    surveys = (
        Organization.objects.filter(
            customer__owner_id=scope.staff_id, customer__kind=Customer.Kind.GROUP
        )
        .exclude(stale_q("customer__", cutoff=cutoff))
        .filter(stale_q(cutoff=cutoff))
        .count()
    )
    return own + surveys


def sites_for_new_customers(*, user: Any) -> QuerySet[Site]:
    """Sites where the user may register a customer (`Action.CREATE_CUSTOMER`'s rule as a
    filter): the sites of their grids, for agents too, who otherwise see no sites."""
    scope = scope_for(user)
    if not can(user, Action.CREATE_CUSTOMER):
        return Site.objects.none()
    if scope.everything:
        return Site.objects.all()
    return Site.objects.filter(grid_id__in=scope.grid_ids)
