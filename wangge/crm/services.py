"""Every write to the information base: validate, write and audit in one transaction.

`actor` is the acting user, or `SYSTEM` (demo loader, commands, shell imports). Rights are
checked here, against `wangge.crm.permissions`, and the sites and owners people name must be
ones they may use, so a crafted form or API call cannot reach past scope.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core import clock, events
from wangge.core.access import is_person, is_system
from wangge.core.permissions import can, require
from wangge.core.services import audited_create, audited_delete, audited_update
from wangge.crm.events import CustomerCreated, SubscriptionCreated
from wangge.crm.models import (
    NATIONAL_OPERATORS,
    Competitor,
    CompetitorIntel,
    CompetitorOffer,
    Contact,
    Customer,
    Note,
    Organization,
    Product,
    SiteCustomerCount,
    Subscription,
    TariffPlan,
)
from wangge.crm.permissions import Action
from wangge.org.models import Staff
from wangge.territory.events import SiteMoved
from wangge.territory.models import Site

CUSTOMER_FIELDS = (
    "code",
    "name",
    "site",
    "address",
    "phone",
    "relationship",
    "tier",
    "owner",
    "current_provider",
)
ORGANIZATION_FIELDS = (
    "name",
    "contact_name",
    "contact_phone",
    "computers",
    "current_network",
    "quality_requirement",
    "quality_feedback",
    "development_wishes",
    "key_person_name",
    "key_person_phone",
)
CONTACT_FIELDS = ("name", "title", "phone", "note")
SUBSCRIPTION_FIELDS = (
    "plan",
    "account_no",
    "started_on",
    "expires_on",
    "monthly_fee",
    "status",
    "arrears",
)
INTEL_FIELDS = (
    "launched_on",
    "customers_estimate",
    "install_quality",
    "after_sales_quality",
    "property_relationship",
    "covered_households",
    "ports",
    "network",
    "note",
)
OFFER_FIELDS = (
    "kind",
    "plan_name",
    "bandwidth_mbps",
    "price",
    "period",
    "promotion",
    "seen_on",
    "ended_on",
)
PRODUCT_FIELDS = ("code", "name", "kind", "is_active")
PLAN_FIELDS = (
    "product",
    "code",
    "name",
    "bandwidth_mbps",
    "monthly_price",
    "term_months",
    "is_active",
)
COMPETITOR_FIELDS = ("code", "name", "short_name", "is_active")
VERIFY_FIELDS = ("verified_at", "verified_by")


# --- helpers -------------------------------------------------------------------------


def staff_of(actor: Any) -> Staff | None:
    """The acting person's staff record: who verified, who wrote a note (none for the system)."""
    if not is_person(actor):
        return None
    return Staff.objects.filter(user_id=actor.pk).first()


def verification_stamp(by: Staff | None, on: dt.date | None = None) -> dict[str, Any]:
    """The verification mark (`Verified` records: customers, surveys, intelligence): by
    `by` (`staff_of` the actor; None for the system), now, or on the day a sheet gives
    (its first moment, local time), for a check made on the ground before it was typed in.
    Bulk writes (imports) take `by` once and stamp every row with it."""
    at = clock.now() if on is None else timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    return {"verified_at": at, "verified_by": by}


def _stamp(actor: Any) -> dict[str, Any]:
    return verification_stamp(staff_of(actor))


def _check_site(actor: Any, site: Site) -> None:
    if can(actor, Action.CREATE_CUSTOMER, site):
        return
    raise ValidationError({"site": _("没有这个网格单元，或您无权在此建档。")})


def _check_owner(actor: Any, owner: Staff) -> None:
    if is_system(actor) or Staff.objects.visible_to(actor).filter(pk=owner.pk).exists():
        return
    raise ValidationError({"owner": _("只能指定您可见的人员为负责人。")})


#: Our own numbers (KH + 8 digits) are issued by the system, never chosen. A create or edit
#: naming one is refused in the words used for a missing number (as the import does), whether
#: or not some customer, perhaps in another grid, has it: the answer tells nothing about
#: records out of the user's scope. (An operator's own number that is taken is "taken" for
#: everyone alike: the unique rule cannot be hidden, and its message names no grid or owner.)
SYSTEM_CODE = re.compile(r"KH\d{8}")


def _check_code(code: str | None) -> None:
    if code and SYSTEM_CODE.fullmatch(code):
        message = _("没有这个客户编号（KH 开头的编号由系统发放）；新客户请留空")
        raise ValidationError({"code": message})


def _update(
    actor: Any,
    instance: Any,
    data: Mapping[str, Any],
    fields: tuple[str, ...],
    verified: bool,
    version: int | None = None,
) -> Any:
    """`version`: the one the editor loaded; a stale one raises `StaleVersion`."""
    values = dict(data)
    allowed = fields
    if verified:
        values.update(_stamp(actor))
        allowed = fields + VERIFY_FIELDS
    instance, _changed = audited_update(
        actor=actor, instance=instance, data=values, fields=allowed, version=version
    )
    return instance


# --- site counts ---------------------------------------------------------------------

#: Sites per UPDATE: the ids are bound parameters, well under every backend's limit.
_SITE_BATCH = 500


def site_counts_refresh(*, site_ids: Iterable[int] | None = None) -> int:
    """Make `Site.customers` of these sites (all if None) the crm's subscriber count, and
    their kept counts (`SiteCustomerCount`: customers, subscribers, prospects) the crm's.

    The rule (see `Site`): once the crm holds any customer at a site, the site's 现有用户数
    is the number of its customers whose relationship is existing or new; a site the crm
    knows nothing of keeps its figure (0 from its creation: no form or import types it).
    Sites named in `site_ids` are those a crm write touched, so they are counted even when
    their last customer just left (0). The count is set-based, a few statements per 500
    sites, so bulk imports call it once with every site they touched. The customer services
    call it in their transaction, so the figures never disagree with a committed write. A
    site's 总户数 is raised to its subscribers where the survey counted fewer (the
    database refuses more subscribers than households, except at premises).

    The named sites are locked first (in id order, so two writers never wait on each other
    in a circle): a count read while another transaction's customer at the same site is
    uncommitted would otherwise overwrite that transaction's count with one that misses
    its customer (PostgreSQL counts each statement from its own snapshot).

    A derived figure, not an edit: no audit entry. Returns the sites updated.
    """
    here = Customer.objects.filter(site_id=OuterRef("pk"))
    count = Coalesce(
        Subquery(
            here.filter(relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS)
            .order_by()
            .values("site_id")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        Value(0),
    )
    households = Case(
        When(kind=Site.Kind.PREMISES, then=F("households")),
        default=Greatest(F("households"), count),
    )
    if site_ids is None:
        subscription_grids_refresh()
        customer_counts_recount()
        return Site.objects.filter(Exists(here)).update(customers=count, households=households)
    ids = sorted(set(site_ids))
    # A customer who moved left one of these sites for another: its lines' stored grid.
    subscription_grids_refresh(site_ids=ids)
    updated = 0
    with transaction.atomic(savepoint=False):
        for at in range(0, len(ids), _SITE_BATCH):
            batch = ids[at : at + _SITE_BATCH]
            if connection.features.has_select_for_update:  # SQLite: one writer at a time
                sites = Site.objects.select_for_update().filter(pk__in=batch).order_by("pk")
                list(sites.values_list("pk", flat=True))
            sites = Site.objects.filter(pk__in=batch)
            updated += sites.update(customers=count, households=households)
            _customer_counts_keep(batch)
    return updated


def _customer_counts_keep(site_ids: list[int]) -> None:
    """Count these sites' customers again into their `SiteCustomerCount` (0 where none
    is left): one grouped read and one upsert."""
    counted = {
        row.pop("site_id"): row
        for row in Customer.objects.filter(site_id__in=site_ids)
        .order_by()
        .values("site_id")
        .annotate(**SiteCustomerCount.tally())
    }
    zero = {"customers": 0, "subscribers": 0, "prospects": 0}
    SiteCustomerCount.objects.bulk_create(
        [SiteCustomerCount(site_id=pk, **counted.get(pk, zero)) for pk in site_ids],
        update_conflicts=True,
        unique_fields=["site"],
        update_fields=["customers", "subscribers", "prospects"],
    )


def customer_counts_recount() -> int:
    """Count every site's customers again into `SiteCustomerCount` (one grouped read of
    the customer table, from its (site, relationship) index), replacing the kept rows: what
    a write around the services left behind is mended. Returns the sites counted."""
    rows = [
        SiteCustomerCount(**row)
        for row in Customer.objects.order_by()
        .values("site_id")
        .annotate(**SiteCustomerCount.tally())
    ]
    with transaction.atomic():
        SiteCustomerCount.objects.all().delete()
        SiteCustomerCount.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def subscription_grids_refresh(
    *,
    site_ids: Iterable[int] | None = None,
    subscription_ids: Iterable[int] | None = None,
) -> int:
    """Make the stored `Subscription.grid` of the lines of customers at these sites (or
    these lines; every line if neither is given) their customer's site's grid, in one
    UPDATE per 500 ids, writing only the lines whose grid changed. Called where a line is
    written (`subscription_create`, `subscriptions_announce` after a bulk import), where
    customers move (`site_counts_refresh`: every customer write that touches sites) and
    where a site moves grid (`on_site_moved`). A derived column: no audit entry. Returns the
    lines updated."""
    grid = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("site__grid_id")[:1])
    # `IS DISTINCT FROM` for both databases: a grid's id is never 0.
    differs = ~Q(Exact(Coalesce(F("grid_id"), Value(0)), Coalesce(grid, Value(0))))
    if site_ids is None and subscription_ids is None:
        return Subscription.objects.filter(differs).update(grid=grid)
    updated = 0
    for key, given in (("customer__site_id__in", site_ids), ("pk__in", subscription_ids)):
        ids = sorted(set(given or ()))
        for at in range(0, len(ids), _SITE_BATCH):
            lines = Subscription.objects.filter(**{key: ids[at : at + _SITE_BATCH]})
            updated += lines.filter(differs).update(grid=grid)
    return updated


def on_site_moved(event: SiteMoved) -> None:
    """A site changed grid (a form, an import, a plan's activation): its customers' lines
    follow (inline, right after the commit that moved it)."""
    subscription_grids_refresh(site_ids=[event.site_id])


def _customer_created(customer: Customer) -> CustomerCreated:
    return CustomerCreated(
        customer_id=customer.pk,
        site_id=customer.site_id,
        owner_id=customer.owner_id,
        kind=customer.kind,
    )


def _subscription_created(subscription: Subscription) -> SubscriptionCreated:
    return SubscriptionCreated(
        subscription_id=subscription.pk,
        customer_id=subscription.customer_id,
        plan_id=subscription.plan_id,
    )


# --- customers -----------------------------------------------------------------------


@transaction.atomic
def customer_create(
    *,
    actor: Any,
    site: Site,
    name: str,
    owner: Staff,
    relationship: str,
    tier: str = Customer.Tier.STANDARD,
    address: str = "",
    phone: str = "",
    current_provider: Competitor | None = None,
    verified: bool = True,
    code: str | None = None,
) -> Customer:
    """A household customer. Organisations are created with `organization_create`.

    `code` is the operator's own customer number; without one the customer gets ours.

    A record entered from a survey is verified as of now; `verified=False` is for data
    copied from elsewhere that nobody has checked on the ground yet.
    """
    require(actor, Action.CREATE_CUSTOMER)
    _check_site(actor, site)
    _check_owner(actor, owner)
    _check_code(code)
    customer = Customer(
        kind=Customer.Kind.HOUSEHOLD,
        code=code or None,
        site=site,
        name=name,
        owner=owner,
        relationship=relationship,
        tier=tier,
        address=address,
        phone=phone,
        current_provider=current_provider,
        **(_stamp(actor) if verified else {}),
    )
    customer = audited_create(actor=actor, instance=customer)
    customers_announce([customer])
    site_counts_refresh(site_ids=[site.pk])
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: Any,
    customer: Customer,
    data: Mapping[str, Any],
    verified: bool = False,
    version: int | None = None,
) -> Customer:
    """Edit a customer; `verified=True` when the editor has just checked it on the ground.
    `version` is the one the editor loaded: if someone saved since, `StaleVersion`."""
    require(actor, Action.EDIT_CUSTOMER, customer)
    if "site" in data and data["site"].pk != customer.site_id:
        _check_site(actor, data["site"])
    if "owner" in data and data["owner"].pk != customer.owner_id:
        _check_owner(actor, data["owner"])
    if data.get("code") and data["code"] != customer.code:
        _check_code(data["code"])
    counted = {"site", "relationship"} & set(data)
    # The row's site as stored (the caller's copy may be stale), to recount where it was.
    was = Customer.objects.filter(pk=customer.pk).values_list("site_id", flat=True).first()
    customer = _update(actor, customer, data, CUSTOMER_FIELDS, verified, version)
    if counted:
        site_counts_refresh(site_ids={was or customer.site_id, customer.site_id})
    org = Organization.objects.filter(customer=customer).first()
    renamed = organization_renamed(org, customer.name) if org is not None else {}
    if renamed:
        _update(actor, org, renamed, ORGANIZATION_FIELDS, False)
    return customer


@transaction.atomic
def customer_verify(*, actor: Any, customer: Customer) -> Customer:
    """Confirm a customer is unchanged; for a group customer its survey too (same visit)."""
    require(actor, Action.EDIT_CUSTOMER, customer)
    customer = _update(actor, customer, {}, CUSTOMER_FIELDS, True)
    org = Organization.objects.filter(customer=customer).first()
    if org is not None:
        _update(actor, org, {}, ORGANIZATION_FIELDS, True)
    return customer


@transaction.atomic
def organization_create(
    *,
    actor: Any,
    site: Site,
    name: str,
    owner: Staff,
    relationship: str,
    tier: str = Customer.Tier.STANDARD,
    address: str = "",
    current_provider: Competitor | None = None,
    verified: bool = True,
    code: str | None = None,
    **survey: Any,
) -> Organization:
    """A group customer (集团客户) and its survey; `survey` takes the survey fields."""
    unknown = set(survey) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValueError(f"Not survey fields: {sorted(unknown)}")
    require(actor, Action.CREATE_CUSTOMER)
    _check_site(actor, site)
    _check_owner(actor, owner)
    _check_code(code)
    stamp = _stamp(actor) if verified else {}
    customer = audited_create(
        actor=actor,
        instance=Customer(
            kind=Customer.Kind.GROUP,
            code=code or None,
            site=site,
            name=name,
            owner=owner,
            relationship=relationship,
            tier=tier,
            address=address,
            current_provider=current_provider,
            **stamp,
        ),
    )
    org = audited_create(actor=actor, instance=organization_new(customer, **survey, **stamp))
    customers_announce([customer])
    site_counts_refresh(site_ids=[site.pk])
    return org


@transaction.atomic
def organization_update(
    *,
    actor: Any,
    organization: Organization,
    data: Mapping[str, Any],
    verified: bool = False,
    version: int | None = None,
) -> Organization:
    """Edit the survey; a new 集团单位名称 renames the customer too. `version` is the
    survey's as the editor loaded it (`StaleVersion` if someone saved since)."""
    customer = organization.customer
    require(actor, Action.EDIT_CUSTOMER, customer)
    organization = _update(actor, organization, data, ORGANIZATION_FIELDS, verified, version)
    if customer.name != organization.name:
        _update(actor, customer, {"name": organization.name}, CUSTOMER_FIELDS, False)
    return organization


@transaction.atomic
def contact_create(
    *, actor: Any, customer: Customer, name: str, title: str = "", phone: str = "", note: str = ""
) -> Contact:
    require(actor, Action.EDIT_CUSTOMER, customer)
    contact = Contact(customer=customer, name=name, title=title, phone=phone, note=note)
    return audited_create(actor=actor, instance=contact)


@transaction.atomic
def contact_update(*, actor: Any, contact: Contact, data: Mapping[str, Any]) -> Contact:
    require(actor, Action.EDIT_CUSTOMER, contact.customer)
    return _update(actor, contact, data, CONTACT_FIELDS, False)


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    require(actor, Action.EDIT_CUSTOMER, contact.customer)
    audited_delete(actor=actor, instance=contact)


@transaction.atomic
def note_create(*, actor: Any, customer: Customer, text: str) -> Note:
    """Anyone who sees the customer may add a note; notes are never edited."""
    require(actor, Action.NOTE_CUSTOMER, customer)
    staff = staff_of(actor)
    note = Note(
        customer=customer, author=staff, author_name=staff.name if staff else "", text=text.strip()
    )
    return audited_create(actor=actor, instance=note)


# --- subscriptions -------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *,
    actor: Any,
    customer: Customer,
    plan: TariffPlan,
    started_on: dt.date,
    expires_on: dt.date | None = None,
    monthly_fee: Decimal | None = None,
    status: str = Subscription.Status.ACTIVE,
    arrears: Decimal = Decimal("0.00"),
    account_no: str = "",
) -> Subscription:
    """Subscribe a customer to a plan; the fee defaults to the plan's list price."""
    require(actor, Action.EDIT_CUSTOMER, customer)
    subscription = Subscription(
        customer=customer,
        plan=plan,
        started_on=started_on,
        expires_on=expires_on,
        monthly_fee=subscription_fee(plan=plan, monthly_fee=monthly_fee),
        status=status,
        arrears=arrears,
        account_no=account_no,
    )
    subscription.grid_id = (
        Site.objects.filter(pk=customer.site_id).values_list("grid_id", flat=True).first()
    )
    subscription = audited_create(actor=actor, instance=subscription)
    subscriptions_announce([subscription])
    return subscription


@transaction.atomic
def subscription_update(
    *,
    actor: Any,
    subscription: Subscription,
    data: Mapping[str, Any],
    version: int | None = None,
) -> Subscription:
    """`version` is the one the editor loaded (`StaleVersion` if someone saved since)."""
    require(actor, Action.EDIT_SUBSCRIPTION, subscription.customer)
    return _update(actor, subscription, data, SUBSCRIPTION_FIELDS, False, version)


@transaction.atomic
def subscription_activate(*, actor: Any, subscription: Subscription, on: dt.date) -> Subscription:
    """A pending (待装机) subscription goes live from `on`, the day it was installed.

    The customer becomes a subscriber by the crm's rule: a prospect (covered, potential,
    intended) is 新增 (new) from now; a new or existing customer keeps their class. Anything
    but a pending subscription is refused (an install repeated, or one sold before this
    rule, changes nothing).
    """
    require(actor, Action.EDIT_SUBSCRIPTION, subscription.customer)
    row = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if row.status != Subscription.Status.PENDING:
        raise ValidationError({"status": _("只有待装机的订购可以开通。")})
    subscription = _update(
        actor,
        subscription,
        {"status": Subscription.Status.ACTIVE, "started_on": on},
        SUBSCRIPTION_FIELDS,
        False,
    )
    customer = subscription.customer
    if not customer.is_subscriber:
        customer_update(
            actor=actor,
            customer=customer,
            data={"relationship": Customer.Relationship.NEW},
        )
    return subscription


# --- competitor intelligence ---------------------------------------------------------


@transaction.atomic
def competitor_intel_create(
    *,
    actor: Any,
    site: Site,
    competitor: Competitor,
    verified: bool = True,
    **fields: Any,
) -> CompetitorIntel:
    unknown = set(fields) - set(INTEL_FIELDS)
    if unknown:
        raise ValueError(f"Not intelligence fields: {sorted(unknown)}")
    require(actor, Action.SURVEY_SITE, site)
    _check_site(actor, site)
    intel = CompetitorIntel(
        site=site, competitor=competitor, **fields, **(_stamp(actor) if verified else {})
    )
    return audited_create(actor=actor, instance=intel)


@transaction.atomic
def competitor_intel_update(
    *, actor: Any, intel: CompetitorIntel, data: Mapping[str, Any], verified: bool = False
) -> CompetitorIntel:
    require(actor, Action.SURVEY_SITE, intel.site)
    return _update(actor, intel, data, INTEL_FIELDS, verified)


@transaction.atomic
def competitor_intel_verify(*, actor: Any, intel: CompetitorIntel) -> CompetitorIntel:
    require(actor, Action.SURVEY_SITE, intel.site)
    return _update(actor, intel, {}, INTEL_FIELDS, True)


@transaction.atomic
def competitor_offer_create(
    *,
    actor: Any,
    intel: CompetitorIntel,
    plan_name: str,
    price: Decimal,
    period: str = CompetitorOffer.Period.MONTH,
    kind: str = CompetitorOffer.Kind.BROADBAND,
    bandwidth_mbps: int | None = None,
    promotion: str = "",
    seen_on: dt.date | None = None,
) -> CompetitorOffer:
    """Record a tariff seen in the site; seeing it confirms the site's intelligence too."""
    require(actor, Action.SURVEY_SITE, intel.site)
    offer = CompetitorOffer(
        intel=intel,
        plan_name=plan_name,
        price=price,
        period=period,
        kind=kind,
        bandwidth_mbps=bandwidth_mbps,
        promotion=promotion,
        seen_on=seen_on or clock.today(),
    )
    offer = audited_create(actor=actor, instance=offer)
    _update(actor, intel, {}, INTEL_FIELDS, True)
    return offer


@transaction.atomic
def competitor_offer_update(
    *, actor: Any, offer: CompetitorOffer, data: Mapping[str, Any]
) -> CompetitorOffer:
    """Correct an offer, or end it (`ended_on`): ended offers stay as price history."""
    require(actor, Action.SURVEY_SITE, offer.intel.site)
    return _update(actor, offer, data, OFFER_FIELDS, False)


# --- catalogue -----------------------------------------------------------------------


def product_create(
    *, actor: Any, code: str, name: str, kind: str, is_active: bool = True
) -> Product:
    require(actor, Action.MANAGE_CATALOGUE)
    product = Product(code=code, name=name, kind=kind, is_active=is_active)
    return audited_create(actor=actor, instance=product)


def product_update(*, actor: Any, product: Product, data: Mapping[str, Any]) -> Product:
    require(actor, Action.MANAGE_CATALOGUE)
    return _update(actor, product, data, PRODUCT_FIELDS, False)


def tariff_plan_create(
    *,
    actor: Any,
    product: Product,
    code: str,
    name: str,
    monthly_price: Decimal,
    bandwidth_mbps: int | None = None,
    term_months: int = 0,
    is_active: bool = True,
) -> TariffPlan:
    require(actor, Action.MANAGE_CATALOGUE)
    plan = TariffPlan(
        product=product,
        code=code,
        name=name,
        monthly_price=monthly_price,
        bandwidth_mbps=bandwidth_mbps,
        term_months=term_months,
        is_active=is_active,
    )
    return audited_create(actor=actor, instance=plan)


def tariff_plan_update(*, actor: Any, plan: TariffPlan, data: Mapping[str, Any]) -> TariffPlan:
    require(actor, Action.MANAGE_CATALOGUE)
    return _update(actor, plan, data, PLAN_FIELDS, False)


def competitor_create(
    *, actor: Any, code: str, name: str, short_name: str, is_active: bool = True
) -> Competitor:
    require(actor, Action.MANAGE_CATALOGUE)
    competitor = Competitor(code=code, name=name, short_name=short_name, is_active=is_active)
    return audited_create(actor=actor, instance=competitor)


def competitors_ensure_national(*, actor: Any) -> list[Competitor]:
    """The national operators, created where missing (a flushed test database, a fresh
    install restored from a dump without them)."""
    found = {
        c.code: c for c in Competitor.objects.filter(code__in=[c for c, *_ in NATIONAL_OPERATORS])
    }
    for code, name, short_name in NATIONAL_OPERATORS:
        if code not in found:
            found[code] = competitor_create(
                actor=actor, code=code, name=name, short_name=short_name
            )
    return [found[code] for code, *_ in NATIONAL_OPERATORS]


# --- rules the bulk writes (imports) share with the one-at-a-time services --------------------


def subscription_fee(*, plan: TariffPlan, monthly_fee: Decimal | None) -> Decimal:
    """A line's monthly fee: the one agreed, else its plan's price."""
    return plan.monthly_price if monthly_fee is None else monthly_fee


def organization_new(customer: Customer, **fields: Any) -> Organization:
    """A group customer's survey (集团客户信息), not yet saved. One name, two rows: its
    集团单位名称 is the customer's name, here and on every rename (`organization_renamed`)."""
    if "name" in fields:
        raise ValueError("The survey's name is its customer's.")
    return Organization(customer=customer, name=customer.name, **fields)


def organization_renamed(org: Organization, name: str) -> dict[str, Any]:
    """What renaming a group customer to `name` changes on its survey: the name follows."""
    return {"name": name} if org.name != name else {}


def customers_announce(customers: Iterable[Customer]) -> None:
    """`customer_created` for each customer written (on commit: a rollback announces none)."""
    events.publish_many(_customer_created(c) for c in customers)


def subscriptions_announce(subscriptions: Iterable[Subscription]) -> None:
    """What follows writing subscriptions in bulk (an import): each new line's stored grid
    (`subscription_grids_refresh`), and `subscription_created` for each (on commit)."""
    written = list(subscriptions)
    subscription_grids_refresh(subscription_ids=[s.pk for s in written if s.grid_id is None])
    events.publish_many(_subscription_created(s) for s in written)


def customers_number(customers: list[Customer]) -> None:
    """Ids and our numbers (`customer_code`: KH + the id in 8 digits) for customers about
    to be written in bulk, before the INSERT (`Customer.save` issues the same one at a time):
    the ids are reserved (`bulk.reserve_ids`), so the rows go in numbered instead of being
    numbered by an UPDATE after (which cost more than the insert, and on SQLite rewrote
    every new customer's search words). A customer with the operator's own number keeps it.
    Inside the write's transaction."""
    from wangge.core.imports.bulk import reserve_ids
    from wangge.crm.models import customer_code

    for customer, pk in zip(customers, reserve_ids(Customer, len(customers)), strict=True):
        customer.pk = pk
        if not customer.code:
            customer.code = customer_code(pk)


def competitor_update(*, actor: Any, competitor: Competitor, data: Mapping[str, Any]) -> Competitor:
    require(actor, Action.MANAGE_CATALOGUE)
    return _update(actor, competitor, data, COMPETITOR_FIELDS, False)
