"""A month of care and collection work in the demo county.

Group customers newly activated in the last weeks are added through crm's services (the
first-month rule's customers), each contacted a few times since. Gold customers' owners keep
in touch (calls, messages, some door visits) on days spread over the month, so some care is
done, some due and some overdue when the engine runs; renewal and arrears tasks are
generated, and their owners record what came of many of them: paid, promised (a follow-up,
some kept and paid, some still open), refused, unreachable. Writes go through
`wangge.retention.services` in the name of the person who would have done them; the services
stamp today, so dates are then moved back along the month with plain updates (as
`load_sales` does). Runs after `load_sales`, whose visits count as contacts.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm import services as crm_services
from wangge.crm.models import Customer, TariffPlan
from wangge.org.models import Grid, Staff
from wangge.retention import engine, services
from wangge.retention.models import CareDue, CollectionTask, Contact, Payment
from wangge.territory.models import Site

#: Mixed into the seed so this loader's random stream is its own.
SALT = 0x7E7E
DAYS = 30
#: Gold customers per grid whose owners record contacts (the busy grids more).
CARED_PER_GRID = 6
CARED_PER_BUSY_GRID = 15
BUSY_GRIDS = 2
#: Collection tasks per grid that get an outcome (the rest stay open).
WORKED_PER_GRID = 8
WORKED_PER_BUSY_GRID = 25
#: Group customers newly activated per grid (the first-month rule's customers); at least
#: `NEW_GROUPS_MIN` at any scale, so the rule has due, overdue and kept contacts to show.
NEW_GROUPS_PER_GRID = 4
NEW_GROUPS_PER_BUSY_GRID = 8
NEW_GROUPS_MIN = 3
#: Activated within this many days: most in their first month, a few just past it.
NEW_GROUP_DAYS = 40
NEW_GROUP_NAMES = ("建材公司", "物流园", "幼儿园", "连锁酒店", "卫生院", "商贸城", "农业合作社",
                   "汽修厂", "培训学校", "驾校")  # fmt: skip
OUTCOMES = (("paid", 40), ("promised", 25), ("refused", 10), ("unreachable", 10), ("open", 15))


def reset_retention() -> None:
    """Delete every care item, contact, collection task and payment (the rules stay)."""
    with connection.cursor() as cursor:
        for model in (CareDue, Contact, CollectionTask, Payment):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _at(day: dt.date, r: random.Random) -> dt.datetime:
    return clock.start_of_day(day) + dt.timedelta(hours=r.randint(9, 17), minutes=r.randint(0, 59))


@transaction.atomic
def load_retention(seed: int, *, scale: float = 1.0) -> dict[str, int]:
    r = random.Random(seed ^ SALT)
    today = clock.today()
    grids = list(Grid.objects.order_by("code"))
    contacts = 0
    new_groups = 0
    for i, grid in enumerate(grids):
        n = CARED_PER_BUSY_GRID if i < BUSY_GRIDS else CARED_PER_GRID
        contacts += _care(grid, max(1, round(n * min(scale, 1.0))), r, today)
        n = NEW_GROUPS_PER_BUSY_GRID if i < BUSY_GRIDS else NEW_GROUPS_PER_GRID
        made_groups, made_contacts = _new_groups(
            grid, max(NEW_GROUPS_MIN, round(n * min(scale, 1.0))), r, today
        )
        new_groups += made_groups
        contacts += made_contacts
    engine.refresh()
    made = services.collections_generate()
    worked = 0
    for i, grid in enumerate(grids):
        n = WORKED_PER_BUSY_GRID if i < BUSY_GRIDS else WORKED_PER_GRID
        worked += _collections(grid, max(1, round(n * min(scale, 1.0))), r, today)
    return {
        "care_contacts": contacts,
        "new_group_customers": new_groups,
        "care_items": CareDue.objects.count(),
        "care_overdue": CareDue.objects.filter(overdue_days__gt=0).count(),
        "collection_tasks": made,
        "collections_worked": worked,
    }


def _care(grid: Grid, n: int, r: random.Random, today: dt.date) -> int:
    gold = list(
        Customer.objects.filter(
            site__grid=grid, tier=Customer.Tier.GOLD,
            relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS,
        ).select_related("site", "owner__user").order_by("id")[: n * 3]
    )  # fmt: skip
    written = 0
    for customer in r.sample(gold, min(n, len(gold))):
        for _k in range(r.randint(1, 3)):
            kind = r.choices(("door", "phone", "message"), (3, 4, 2))[0]
            try:
                contact = services.contact_record(
                    actor=customer.owner.user, customer=customer, kind=kind
                )
            except PermissionDenied:
                break  # an owner without the right (none in the demo): left alone
            day = today - dt.timedelta(days=r.randint(0, DAYS - 1))
            Contact.objects.filter(pk=contact.pk).update(at=_at(day, r))
            written += 1
    return written


def _new_groups(grid: Grid, n: int, r: random.Random, today: dt.date) -> tuple[int, int]:
    """Group customers activated in the last weeks, each called 0–4 times since, so the
    first-month rule (4 contacts in 30 days) has kept, due and overdue contacts."""
    sites = list(Site.objects.filter(grid=grid).order_by("id")[:50])
    owner = (
        Staff.objects.filter(
            pk__in=Customer.objects.filter(site__grid=grid, kind=Customer.Kind.GROUP)
            .exclude(owner=None)
            .values("owner_id")
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    plan = TariffPlan.objects.filter(is_active=True).order_by("code").first()
    if not sites or owner is None or plan is None:
        return 0, 0
    made = contacts = 0
    for k in range(n):
        started = today - dt.timedelta(days=r.randint(0, NEW_GROUP_DAYS))
        org = crm_services.organization_create(
            actor=SYSTEM,
            site=r.choice(sites),
            name=f"{grid.name}{r.choice(NEW_GROUP_NAMES)}{k + 1}",
            owner=owner,
            relationship=Customer.Relationship.NEW,
        )
        customer = org.customer
        crm_services.subscription_create(
            actor=SYSTEM, customer=customer, plan=plan, started_on=started
        )
        Customer.objects.filter(pk=customer.pk).update(created_at=_at(started, r))
        span = (today - started).days
        for day in sorted(started + dt.timedelta(days=r.randint(0, span))
                          for _c in range(r.randint(0, 4))):  # fmt: skip
            contact = services.contact_record(
                actor=owner.user, customer=customer, kind=r.choice(("phone", "message", "door"))
            )
            Contact.objects.filter(pk=contact.pk).update(at=_at(day, r))
            contacts += 1
        made += 1
    return made, contacts


def _collections(grid: Grid, n: int, r: random.Random, today: dt.date) -> int:
    tasks = list(
        CollectionTask.objects.filter(grid=grid, status="open", parent__isnull=True)
        .select_related("owner__user", "subscription")
        .order_by("id")[: n * 2]
    )
    worked = 0
    for task in r.sample(tasks, min(n, len(tasks))):
        outcome = r.choices([o for o, _w in OUTCOMES], [w for _o, w in OUTCOMES])[0]
        created = today - dt.timedelta(days=r.randint(3, DAYS - 1))
        CollectionTask.objects.filter(pk=task.pk).update(created_on=created)
        task.refresh_from_db()
        if outcome == "open":
            continue
        closed = created + dt.timedelta(days=r.randint(0, (today - created).days))
        actor = task.owner.user
        try:
            if outcome == "paid":
                services.payment_record(
                    actor=SYSTEM,
                    reference=f"DEMO-{task.pk:07d}",
                    subscription=task.subscription,
                    amount=max(task.amount, Decimal("0.01")),
                    paid_on=closed,
                )
            elif outcome == "promised":
                promised = today + dt.timedelta(days=r.randint(0, 10))
                services.collection_record(actor=actor, task=task, outcome="promised",
                                           promised_on=promised, version=task.version)  # fmt: skip
                if r.random() < 0.4:  # some promises were kept already
                    services.payment_record(
                        actor=SYSTEM,
                        reference=f"DEMO-{task.pk:07d}-F",
                        subscription=task.subscription,
                        amount=max(task.amount, Decimal("0.01")),
                        paid_on=today,
                    )
            elif outcome == "refused":
                reason = r.choice(("嫌资费贵", "准备换运营商", "说已缴过", "房屋出租不用了"))
                services.collection_record(actor=actor, task=task, outcome="refused",
                                           reason=reason, version=task.version)  # fmt: skip
            else:
                services.collection_record(actor=actor, task=task, outcome="unreachable",
                                           version=task.version)  # fmt: skip
        except PermissionDenied:
            continue
        CollectionTask.objects.filter(pk=task.pk).update(closed_on=closed)
        worked += 1
    return worked
