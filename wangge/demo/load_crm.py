"""Write the generated information base into the database.

The catalogue (products, plans) goes through the crm services like hand-entered data. The
bulk (hundreds of thousands of customers and subscriptions) is inserted with
`bulk_create`: per-row services and audit entries would take minutes, and demo rows have
no history to audit. Runs after `load_territory`, which provides the sites.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm import services
from wangge.crm.models import (
    CompetitorIntel,
    CompetitorOffer,
    Contact,
    Customer,
    Note,
    Organization,
    Product,
    Subscription,
    TariffPlan,
    customer_code,
)
from wangge.demo.crm import CrmDemo, SiteIn, StaffIn, generate_crm
from wangge.org.models import GridMembership, Staff
from wangge.territory.models import Site

BATCH = 5000
CUSTOMER_COLUMNS = (
    "kind",
    "name",
    "site",
    "address",
    "phone",
    "relationship",
    "tier",
    "owner",
    "current_provider",
    "created_at",
    "verified_at",
    "verified_by",
)
SUBSCRIPTION_COLUMNS = (
    "customer",
    "plan",
    "account_no",
    "started_on",
    "expires_on",
    "monthly_fee",
    "status",
    "arrears",
)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A demo date as an aware datetime in the county's day (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _maybe_at(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else _at(day)


def _insert(model: type[models.Model], rows: Iterable[models.Model]) -> list[Any]:
    return model._default_manager.bulk_create(list(rows), batch_size=BATCH)


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How the ORM would convert a value of `field` for this database, or None if as is."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda v: ops.adapt_decimalfield_value(v, digits, places)
    return None


def _insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: list[tuple[Any, ...]],
    code: Callable[[int], str] | None = None,
) -> list[int]:
    """Insert plain tuples with explicit ids (1…n after a reset); returns the ids.
    `code(id)`, if given, fills the `code` column (the number `save()` would issue).

    The two big tables skip model instances: building 200,000 of them and letting
    `bulk_create` prepare every value took most of the demo's time. Values go through the
    backend's own adapters, so what is stored is exactly what the ORM would store. Fields
    not given take their model's constant default (a record's `version`), as the ORM would.
    """
    meta = model._meta
    if code is not None:
        fields = [*fields, "code"]
    constant = [
        f
        for f in meta.concrete_fields
        if f.name not in fields
        and not f.primary_key
        and f.has_default()
        and not callable(f.default)
    ]
    columns = [cast(models.Field, meta.get_field(name)) for name in fields] + constant
    defaults = tuple(f.default for f in constant)
    adapters = [(i, a) for i, f in enumerate(columns) if (a := _adapter(f)) is not None]
    start = (model._default_manager.aggregate(m=Max("id"))["m"] or 0) + 1
    ids = list(range(start, start + len(rows)))
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(meta.db_table),
        ", ".join(qn(c) for c in ["id", *(f.column for f in columns)]),
        ", ".join(["%s"] * (len(columns) + 1)),
    )
    with connection.cursor() as cursor:
        for at in range(0, len(rows), BATCH):
            batch = []
            for pk, row in zip(ids[at : at + BATCH], rows[at : at + BATCH], strict=True):
                values = [*row, code(pk)] if code is not None else list(row)
                values += defaults
                for i, adapt in adapters:
                    if values[i] is not None:
                        values[i] = adapt(values[i])
                batch.append((pk, *values))
            # One statement, many rows: fastest on SQLite; psycopg pipelines it.
            cursor.executemany(sql, batch)
        # PostgreSQL's id sequence must move past the explicit ids (SQLite needs nothing).
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)
    return ids


def reset_crm() -> None:
    """Delete the information base, children first; competitors (from the migration) stay.

    Plain DELETE statements: Django's deletion collector would load every customer into
    memory to look for cascades that are already gone.
    """
    with connection.cursor() as cursor:
        for model in (
            CompetitorOffer,
            CompetitorIntel,
            Subscription,
            Note,
            Contact,
            Organization,
            Customer,
            TariffPlan,
            Product,
        ):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _inputs() -> tuple[list[SiteIn], list[StaffIn]]:
    sites = [
        SiteIn(code, kind, name, grid or None, households, covered, customers)
        for code, kind, name, grid, households, covered, customers in Site.objects.values_list(
            "code",
            "kind",
            "name",
            "grid__code",
            "households",
            "covered_households",
            "customers",
        ).order_by("code")
    ]
    grids: dict[str, list[str]] = {}
    for no, code in GridMembership.objects.values_list("staff__employee_no", "grid__code"):
        grids.setdefault(no, []).append(code)
    staff = [
        StaffIn(no, role, tuple(sorted(grids.get(no, []))))
        for no, role in Staff.objects.values_list("employee_no", "role").order_by("employee_no")
    ]
    return sites, staff


@transaction.atomic
def load_crm(seed: int, *, scale: float = 1.0) -> dict[str, int]:
    """Generate and insert the demo information base; returns how many rows of each kind.

    At scale 1 the county holds about 205,000 customers and 232,000 subscriptions
    (≈11 s on SQLite); tests pass a small `scale`. Dates count back from the clock's today,
    so a demo loaded on any day has renewals due next week.
    """
    sites, staff = _inputs()
    data = generate_crm(seed, sites, staff, clock.today(), scale)
    counts = _write(data)
    _derive_site_counts()
    return counts


def _derive_site_counts() -> None:
    """Every site's 现有用户数 is its subscribers in the crm (`services.site_counts_refresh`).
    The demo's information base is the county's whole record, so a site it left without
    customers (a small `scale`) has none."""
    services.site_counts_refresh()
    has_customers = Exists(Customer.objects.filter(site_id=OuterRef("pk")))
    Site.objects.exclude(has_customers).update(customers=0)


def _write(data: CrmDemo) -> dict[str, int]:
    products = {
        code: services.product_create(actor=SYSTEM, code=code, name=name, kind=kind)
        for code, name, kind in data.products
    }
    plans = {
        p.code: services.tariff_plan_create(
            actor=SYSTEM,
            product=products[p.product],
            code=p.code,
            name=p.name,
            bandwidth_mbps=p.bandwidth_mbps,
            monthly_price=p.monthly_price,
            term_months=p.term_months,
        ).pk
        for p in data.plans
    }
    site_ids = dict(Site.objects.values_list("code", "id"))
    staff_ids = dict(Staff.objects.values_list("employee_no", "id"))
    competitor_ids = {c.code: c.pk for c in services.competitors_ensure_national(actor=SYSTEM)}

    ids = _insert_rows(
        Customer,
        CUSTOMER_COLUMNS,
        [
            (
                c.kind,
                c.name,
                site_ids[c.site],
                c.address,
                c.phone,
                c.relationship,
                c.tier,
                staff_ids[c.owner],
                competitor_ids[c.provider] if c.provider else None,
                _at(c.created_on, 9),
                _maybe_at(c.verified_on),
                staff_ids[c.verified_by] if c.verified_by else None,
            )
            for c in data.customers
        ],
        code=customer_code,
    )
    orgs = [(o, data.customers[o.customer]) for o in data.organizations]
    _insert(
        Organization,
        (
            Organization(
                customer_id=ids[o.customer],
                name=c.name,
                contact_name=o.contact_name,
                contact_phone=o.contact_phone,
                computers=o.computers,
                current_network=o.current_network,
                quality_requirement=o.quality_requirement,
                quality_feedback=o.quality_feedback,
                development_wishes=o.development_wishes,
                key_person_name=o.key_person_name,
                key_person_phone=o.key_person_phone,
                verified_at=_maybe_at(c.verified_on),
                verified_by_id=staff_ids[c.verified_by] if c.verified_by else None,
            )
            for o, c in orgs
        ),
    )
    _insert(
        Contact,
        (
            Contact(
                customer_id=ids[o.customer],
                name=o.contact_name,
                title=o.contact_title,
                phone=o.contact_phone,
            )
            for o, _c in orgs
        ),
    )
    _insert(
        Note,
        (
            Note(
                customer_id=ids[o.customer],
                text=f"上门调查：{o.quality_feedback}；发展希望：{o.development_wishes}。",
                created_at=_at(c.verified_on or c.created_on, 15),
            )
            for o, c in orgs
        ),
    )
    subscriptions = _insert_rows(
        Subscription,
        SUBSCRIPTION_COLUMNS,
        [
            (
                ids[s.customer],
                plans[s.plan],
                s.account_no,
                s.started_on,
                s.expires_on,
                s.monthly_fee,
                s.status,
                s.arrears,
            )
            for s in data.subscriptions
        ],
    )
    intel = _insert(
        CompetitorIntel,
        (
            CompetitorIntel(
                site_id=site_ids[i.site],
                competitor_id=competitor_ids[i.competitor],
                launched_on=i.launched_on,
                customers_estimate=i.customers_estimate,
                install_quality=i.install_quality,
                after_sales_quality=i.after_sales_quality,
                property_relationship=i.property_relationship,
                verified_at=_maybe_at(i.verified_on),
                verified_by_id=staff_ids[i.verified_by] if i.verified_by else None,
            )
            for i in data.intel
        ),
    )
    offers = _insert(
        CompetitorOffer,
        (
            CompetitorOffer(
                intel_id=row.pk,
                kind=o.kind,
                plan_name=o.plan_name,
                bandwidth_mbps=o.bandwidth_mbps,
                price=o.price,
                period=o.period,
                promotion=o.promotion,
                seen_on=o.seen_on,
                ended_on=o.ended_on,
            )
            for row, spec in zip(intel, data.intel, strict=True)
            for o in spec.offers
        ),
    )
    return {
        "products": len(products),
        "plans": len(plans),
        "customers": len(ids),
        "organizations": len(orgs),
        "subscriptions": len(subscriptions),
        "competitor_intel": len(intel),
        "competitor_offers": len(offers),
    }
