"""The work order's life: opened and assigned to the grid's technician, the state machine
(illegal moves change nothing), check-in, completion with photos, the install going live in
crm, the follow-up call, cancelling; sale_won opening the install once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.models import Notification
from wangge.core.services import StaleVersion
from wangge.crm.models import Customer, Subscription
from wangge.org import services as org_services
from wangge.org.roles import Role
from wangge.sales import services as sales
from wangge.service.models import WorkOrder, WorkOrderPhoto
from wangge.service.services import orders as svc
from wangge.service.services.orders_alerts import notify_overdue

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _open(crm: CrmWorld, kind: str = "repair", actor: object = SYSTEM) -> WorkOrder:
    order, created = svc.work_order_create(
        actor=actor, kind=kind, source="call", customer=crm.customers["a_home"], description="断网"
    )
    assert created
    return order


def test_an_order_goes_to_the_grids_technician_with_its_history(crm: CrmWorld) -> None:
    order = _open(crm, actor=crm.world.user("account_a"))
    assert order.code == f"GD{order.pk:08d}"
    assert order.grid == crm.world.grid_a
    assert order.assignee == crm.world.staff["tech_a"]
    assert order.state == "assigned"
    assert order.created_by == crm.world.staff["account_a"]
    steps = list(order.steps.values_list("from_state", "to_state"))
    assert steps == [("", "new"), ("new", "assigned")]
    assert abs(order.due_at - (clock.now() + dt.timedelta(hours=24))) < dt.timedelta(minutes=1)


def test_the_named_technician_is_chosen_the_same_way_every_time(crm: CrmWorld) -> None:
    first = svc.grid_technician(crm.world.grid_a.pk)
    org_services.staff_create(
        actor=SYSTEM,
        username="tech_a2",
        password="x-pass-123456",
        name="装维乙",
        employee_no="TECH_A2",
        role=Role.TECHNICIAN,
        primary_grid=crm.world.grid_a,
    )
    # A newer colleague does not take the grid over; grid B has no technician at all.
    assert svc.grid_technician(crm.world.grid_a.pk) == first == crm.world.staff["tech_a"]
    assert svc.grid_technician(crm.world.grid_b.pk) is None
    order, _ = svc.work_order_create(
        actor=SYSTEM, kind="repair", source="call", customer=crm.customers["b_home"]
    )
    assert (order.state, order.assignee) == ("new", None)


def test_the_grids_named_technician_in_org_takes_the_new_orders(crm: CrmWorld) -> None:
    grid = crm.world.grid_a
    newer = org_services.staff_create(
        actor=SYSTEM,
        username="tech_a2",
        password="x-pass-123456",
        name="装维乙",
        employee_no="TECH_A2",
        role=Role.TECHNICIAN,
        primary_grid=grid,
    )
    org_services.grid_update(actor=SYSTEM, grid=grid, data={"technician": newer})
    order = _open(crm)
    assert (order.state, order.assignee) == ("assigned", newer)
    # Once they leave the grid's technicians, the grid falls back to the longest-standing.
    newer.memberships.filter(grid=grid).delete()
    assert svc.grid_technician(grid.pk) == crm.world.staff["tech_a"]


def test_an_agent_and_another_grid_may_not_open_orders(crm: CrmWorld) -> None:
    with pytest.raises(PermissionDenied):
        _open(crm, actor=crm.world.user("agent_a"))
    with pytest.raises(PermissionDenied):
        _open(crm, actor=crm.world.user("sales_b"))
    assert not WorkOrder.objects.exists()


def test_the_full_path_and_illegal_moves_change_nothing(crm: CrmWorld) -> None:
    tech = crm.world.user("tech_a")
    order = _open(crm)
    with pytest.raises(ValidationError) as exc:
        svc.work_order_complete(actor=tech, order=order, version=order.version, result="好了")
    assert "state" in exc.value.message_dict
    order.refresh_from_db()
    assert (order.state, order.version, order.steps.count()) == ("assigned", 1, 2)

    order = svc.work_order_accept(actor=tech, order=order, version=order.version)
    site = order.site
    order = svc.work_order_check_in(
        actor=tech,
        order=order,
        version=order.version,
        lat=site.lat,
        lon=site.lon,
        accuracy_m=20,
        position_at=clock.now(),
    )
    assert order.state == "on_site" and order.checkin_verified
    order = svc.work_order_complete(
        actor=tech,
        order=order,
        version=order.version,
        result="更换光猫",
        materials="光猫 1 台",
        customer_confirmed=True,
        confirmed_by="张三",
        photos=[PNG, JPEG],
    )
    assert order.state == "done" and order.on_time is True and order.met_at == order.done_at
    assert sorted(order.photos.values_list("content_type", flat=True)) == [
        "image/jpeg",
        "image/png",
    ]
    with pytest.raises(PermissionDenied):  # the technician does not make the follow-up call
        svc.work_order_close(actor=tech, order=order, version=order.version, follow_up="满意")
    order = svc.work_order_close(
        actor=crm.world.user("account_a"),
        order=order,
        version=order.version,
        follow_up="客户满意",
        satisfied=True,
    )
    assert order.state == "closed"
    assert list(order.steps.values_list("to_state", flat=True)) == [
        "new",
        "assigned",
        "accepted",
        "on_site",
        "done",
        "closed",
    ]
    with pytest.raises(ValidationError):
        svc.work_order_cancel(
            actor=crm.world.user("manager_a"), order=order, version=order.version, reason="重复"
        )


def test_a_far_check_in_is_kept_with_its_reasons(crm: CrmWorld) -> None:
    tech = crm.world.user("tech_a")
    order = svc.work_order_accept(actor=tech, order=_open(crm), version=1)
    order = svc.work_order_check_in(
        actor=tech,
        order=order,
        version=order.version,
        lat=order.site.lat + 0.05,
        lon=order.site.lon,
        accuracy_m=500,
        position_at=clock.now() - dt.timedelta(hours=1),
    )
    assert order.state == "on_site" and not order.checkin_verified
    assert set(order.checkin_flags) == {"too_far", "poor_accuracy", "stale_fix"}


def test_only_the_assignee_or_the_manager_works_an_order(crm: CrmWorld) -> None:
    order = _open(crm)
    for persona in ("account_a", "agent_a", "sales_b"):
        with pytest.raises(PermissionDenied):
            svc.work_order_accept(actor=crm.world.user(persona), order=order, version=1)
    order = svc.work_order_accept(actor=crm.world.user("manager_a"), order=order, version=1)
    assert order.state == "accepted"


def test_a_stale_version_is_refused_and_changes_nothing(crm: CrmWorld) -> None:
    order = _open(crm)
    svc.work_order_accept(actor=crm.world.user("tech_a"), order=order, version=1)
    with pytest.raises(StaleVersion):
        svc.work_order_cancel(
            actor=crm.world.user("manager_a"), order=order, version=1, reason="客户取消"
        )
    order.refresh_from_db()
    assert order.state == "accepted"


def test_cancelling_needs_a_reason_and_the_manager(crm: CrmWorld) -> None:
    order = _open(crm)
    with pytest.raises(ValidationError):
        svc.work_order_cancel(
            actor=crm.world.user("manager_a"), order=order, version=1, reason="  "
        )
    with pytest.raises(PermissionDenied):
        svc.work_order_cancel(
            actor=crm.world.user("tech_a"), order=order, version=1, reason="客户取消"
        )
    order = svc.work_order_cancel(
        actor=crm.world.user("manager_a"), order=order, version=1, reason="客户取消"
    )
    assert order.state == "cancelled" and order.cancel_reason == "客户取消"


def test_reassigning_only_to_the_grids_technicians(crm: CrmWorld) -> None:
    manager = crm.world.user("manager_a")
    order = _open(crm)
    with pytest.raises(ValidationError):
        svc.work_order_assign(
            actor=manager, order=order, assignee=crm.world.staff["account_a"], version=1
        )
    other = org_services.staff_create(
        actor=SYSTEM,
        username="tech_a2",
        password="x-pass-123456",
        name="装维乙",
        employee_no="TECH_A2",
        role=Role.TECHNICIAN,
        primary_grid=crm.world.grid_a,
    )
    order = svc.work_order_assign(actor=manager, order=order, assignee=other, version=1)
    assert order.assignee == other and order.state == "assigned"
    with pytest.raises(PermissionDenied):  # no longer tech_a's
        svc.work_order_accept(actor=crm.world.user("tech_a"), order=order, version=order.version)


def test_photos_have_limits_and_a_bad_one_writes_nothing(crm: CrmWorld) -> None:
    tech = crm.world.user("tech_a")
    order = svc.work_order_accept(actor=tech, order=_open(crm), version=1)
    order = svc.work_order_check_in(actor=tech, order=order, version=order.version)
    for bad in (b"GIF89a" + b"\x00" * 10, PNG + b"\x00" * (5 * 1024 * 1024)):
        with pytest.raises(ValidationError):
            svc.work_order_complete(
                actor=tech, order=order, version=order.version, result="好了", photos=[bad]
            )
    order.refresh_from_db()
    assert order.state == "on_site" and not WorkOrderPhoto.objects.exists()
    with pytest.raises(ValidationError):
        svc.work_order_complete(actor=tech, order=order, version=order.version, result=" ")


def test_a_complaint_is_met_by_its_first_response(crm: CrmWorld) -> None:
    start = clock.now()
    order = _open(crm, kind="complaint")
    assert order.sla_measure == "response"
    with time_machine.travel(order.due_at + dt.timedelta(minutes=5)):
        order = svc.work_order_accept(actor=crm.world.user("tech_a"), order=order, version=1)
    assert order.on_time is False and order.met_at is not None and order.met_at > start


def test_a_won_sale_opens_one_install_which_activates_the_subscription(
    crm: CrmWorld, django_capture_on_commit_callbacks: object
) -> None:
    account = crm.world.user("account_a")
    lead = sales.opportunity_create(actor=account, source="visit", site=crm.t.sites_a[1])
    for stage in ("proposal", "confirmed"):
        lead = sales.opportunity_move(
            actor=account, opportunity=lead, stage=stage, version=lead.version
        )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        sale = sales.opportunity_win(
            actor=account,
            opportunity=lead,
            plan=crm.plan_bb,
            version=lead.version,
            new_customer={"name": "王五", "phone": "13700001111"},
        )
    sub = sale.subscription
    assert sub.status == Subscription.Status.PENDING
    order = WorkOrder.objects.get(source_ref=f"opportunity:{lead.pk}")
    assert (order.kind, order.source, order.subscription_id) == ("install", "sale", sub.pk)
    assert order.customer_id == sale.opportunity.customer_id
    assert order.assignee == crm.world.staff["tech_a"]
    # The event again (a retry): still one order.
    svc.install_for_sale(
        opportunity_id=lead.pk,
        order_id=sale.pk,
        subscription_id=sub.pk,
        customer_id=order.customer_id,  # type: ignore[arg-type]
    )
    assert WorkOrder.objects.filter(source_ref=f"opportunity:{lead.pk}").count() == 1

    tech = crm.world.user("tech_a")
    later = clock.now() + dt.timedelta(days=1)
    with time_machine.travel(later):
        order = svc.work_order_accept(actor=tech, order=order, version=order.version)
        order = svc.work_order_check_in(actor=tech, order=order, version=order.version)
        order = svc.work_order_complete(
            actor=tech, order=order, version=order.version, result="装机完成"
        )
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE
    assert sub.started_on == clock.local_date(later)
    assert Customer.objects.get(pk=order.customer_id or 0).relationship == "new"


def test_activation_turns_a_prospect_into_a_new_customer(crm: CrmWorld) -> None:
    from wangge.crm import services as crm_services

    prospect = crm_services.customer_create(
        actor=SYSTEM,
        site=crm.t.sites_a[0],
        name="意向户",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.INTENDED,
    )
    sub = crm_services.subscription_create(
        actor=SYSTEM,
        customer=prospect,
        plan=crm.plan_bb,
        started_on=clock.today(),
        status=Subscription.Status.PENDING,
    )
    crm_services.subscription_activate(actor=SYSTEM, subscription=sub, on=clock.today())
    prospect.refresh_from_db()
    assert prospect.relationship == "new" and sub.status == "active"
    with pytest.raises(ValidationError):  # once only
        crm_services.subscription_activate(actor=SYSTEM, subscription=sub, on=clock.today())


def test_a_pending_subscription_is_not_live_in_crm_lists(crm: CrmWorld) -> None:
    from wangge.crm import selectors as crm_selectors

    sub = crm.subscriptions["a_home"]
    sub.status = Subscription.Status.PENDING
    sub.expires_on = clock.today() + dt.timedelta(days=5)
    sub.arrears = Decimal("10.00")
    sub.save()
    assert sub.status not in Subscription.LIVE_STATUSES
    renewals = crm_selectors.subscription_list(user=SYSTEM, expiring_within=30)
    assert sub.pk not in set(renewals.values_list("pk", flat=True))


def test_overdue_orders_alert_the_technician_and_manager_once(
    crm: CrmWorld, django_capture_on_commit_callbacks: object
) -> None:
    order = _open(crm)
    with time_machine.travel(order.due_at + dt.timedelta(hours=1)):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
                assert notify_overdue() == 1
    got = Notification.objects.filter(kind="service.order_overdue")
    users = {crm.world.user("tech_a").pk, crm.world.user("manager_a").pk}
    assert set(got.values_list("recipient_id", flat=True)) == users
    assert got.count() == 2
