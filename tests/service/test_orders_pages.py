"""The work-order pages: a call registered by the grid's staff, the technician's phone flow
(accept, check in, finish with a photo), the board (overdue first), the SLA dashboard and
its settings, the customer panel and the today view."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.service.models import SlaSetting, WorkOrder
from wangge.service.services import orders as svc
from wangge.service.services.sla_days import sla_days_rebuild

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _open(crm: CrmWorld, kind: str = "repair") -> WorkOrder:
    order, _ = svc.work_order_create(
        actor=SYSTEM, kind=kind, source="call", customer=crm.customers["a_home"]
    )
    return order


def _act(crm: CrmWorld, persona: str, order: WorkOrder, action: str, **data: object) -> Any:
    order.refresh_from_db()
    url = reverse("service:order_act", args=[order.code])
    return crm.world.client(persona).post(url, {"action": action, "version": order.version, **data})


def test_grid_staff_register_a_call_from_the_customer_page(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    customer = crm.customers["a_home"]
    page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-testid="panel-service-orders"' in page
    url = reverse("service:order_create") + f"?customer={customer.pk}"
    assert client.get(url).status_code == 200
    r = client.post(url, {"kind": "complaint", "customer": customer.pk, "description": "网速慢"})
    assert r.status_code == 302
    order = WorkOrder.objects.get()
    assert (order.kind, order.source, order.customer) == ("complaint", "call", customer)
    bad = client.post(url, {"kind": "complaint", "description": ""})
    assert bad.status_code == 400 and WorkOrder.objects.count() == 1


def test_the_technicians_phone_flow(crm: CrmWorld) -> None:
    order = _open(crm)
    tech = crm.world.client("tech_a")
    mine = tech.get(reverse("service:my_orders")).content.decode()
    assert str(order.code) in mine and "uri.amap.com/marker" in mine
    detail = tech.get(reverse("service:order_detail", args=[order.code])).content.decode()
    assert 'data-testid="action-accept"' in detail and "action-cancel" not in detail
    assert _act(crm, "tech_a", order, "accept").status_code == 302
    site = order.site
    r = _act(
        crm,
        "tech_a",
        order,
        "check_in",
        lat=site.lat,
        lon=site.lon,
        accuracy_m=12,
        position_at=clock.now().isoformat(),
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == "on_site" and order.checkin_verified
    r = _act(
        crm,
        "tech_a",
        order,
        "complete",
        result="更换光猫",
        customer_confirmed="on",
        photo=SimpleUploadedFile("a.png", PNG, content_type="image/png"),
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == "done" and order.photos.count() == 1
    photo = order.photos.get()
    got = tech.get(reverse("service:order_photo", args=[photo.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert (
        crm.world.client("sales_b").get(reverse("service:order_photo", args=[photo.pk])).status_code
        == 404
    )
    # The account marketer's today view asks for the follow-up call.
    home = crm.world.client("account_a").get(reverse("home")).content.decode()
    assert "完工待回访的工单" in home


def test_an_illegal_or_stale_action_changes_nothing(crm: CrmWorld) -> None:
    order = _open(crm)
    r = _act(crm, "tech_a", order, "complete", result="好了")
    assert r.status_code == 400 and "不能完工" in r.content.decode()
    assert _act(crm, "account_a", order, "accept").status_code == 404  # not theirs
    url = reverse("service:order_act", args=[order.code])
    r = crm.world.client("tech_a").post(url, {"action": "accept", "version": 99})
    assert r.status_code == 400 and "已被他人修改" in r.content.decode()
    order.refresh_from_db()
    assert (order.state, order.version) == ("assigned", 1)
    bad = SimpleUploadedFile("a.gif", b"GIF89a" + b"\x00" * 9, content_type="image/gif")
    _act(crm, "tech_a", order, "accept")
    _act(crm, "tech_a", order, "check_in")
    r = _act(crm, "tech_a", order, "complete", result="好了", photo=bad)
    assert r.status_code == 400
    order.refresh_from_db()
    assert order.state == "on_site"


def test_the_board_puts_overdue_first_and_the_manager_reassigns(crm: CrmWorld) -> None:
    # Opened on a Wednesday morning: on a Friday evening the complaint's 2 working hours
    # would end on Monday, after the install's 48 hours, and both would be overdue.
    wednesday = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(wednesday, tick=False):
        early = _open(crm, kind="complaint")  # 2 working hours
        _open(crm, kind="install")  # 48 hours
    with time_machine.travel(early.due_at + dt.timedelta(minutes=1)):
        page = crm.world.client("manager_a").get(reverse("service:board")).content.decode()
        home = crm.world.client("tech_a").get(reverse("home")).content.decode()
    assert 'data-testid="board-overdue">1<' in page
    codes = re.findall(r"GD\d{8}", page.split('data-testid="column-assigned"')[1])
    assert codes[0] == early.code
    assert "我的工单已超时" in home
    detail = crm.world.client("manager_a").get(reverse("service:order_detail", args=[early.code]))
    assert 'data-testid="action-assign"' in detail.content.decode()


def test_the_sla_dashboard_and_settings(crm: CrmWorld) -> None:
    tech = crm.world.user("tech_a")
    on_time = _open(crm)
    svc.work_order_accept(actor=tech, order=on_time, version=1)
    on_time.refresh_from_db()
    svc.work_order_check_in(actor=tech, order=on_time, version=on_time.version)
    on_time.refresh_from_db()
    svc.work_order_complete(actor=tech, order=on_time, version=on_time.version, result="好")
    late = _open(crm)
    with time_machine.travel(late.due_at + dt.timedelta(hours=1)):
        page = crm.world.client("market_admin").get(
            reverse("service:sla_dashboard") + f"?until={(clock.today()).isoformat()}"
        )
    assert 'data-testid="sla-total-rate">50.0%<' in page.content.decode()
    admin = crm.world.client("market_admin")
    url = reverse("service:sla_edit", args=["install"])
    r = admin.post(url, {"hours": 24, "working_hours": "on", "measure": "done"})
    assert r.status_code == 302
    setting = SlaSetting.objects.get(kind="install")
    assert (setting.hours, setting.working_hours) == (24, True)
    assert admin.post(url, {"hours": 0, "measure": "done"}).status_code == 400
    assert crm.world.client("manager_a").post(url, {"hours": 5}).status_code == 404


def test_the_site_panel_and_the_technicians_day(crm: CrmWorld) -> None:
    from wangge.core import extensions as ext

    order = _open(crm)
    site_page = crm.world.client("tech_a").get(
        reverse("territory:site_detail", args=[order.site_id])
    )
    assert order.code and order.code in site_page.content.decode()
    agent_page = crm.world.client("agent_a").get(reverse("home")).content.decode()
    assert "装维工单" not in agent_page
    svc.work_order_accept(actor=crm.world.user("tech_a"), order=order, version=1)
    day = dict(
        (s.key, items) for s, items in ext.day_activity_for(crm.world.user("tech_a"), clock.today())
    )
    assert [a.text for a in day["service.orders"]] == [f"{order.code} 故障维修：已接单"]
    others = ext.day_activity_for(crm.world.user("account_a"), clock.today())
    assert "service.orders" not in {s.key for s, _items in others}


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("manager_a", "service:order_list"),
        ("manager_a", "service:board"),
        ("market_admin", "service:sla_dashboard"),
        ("tech_a", "service:my_orders"),
        ("tech_a", "/api/service/work-orders"),
    ],
)
def test_the_lists_cost_the_same_with_more_orders(crm: CrmWorld, persona: str, url: str) -> None:
    from tests.querybudget import assert_flat

    tech = crm.world.user("tech_a")

    def grow(n: int) -> None:
        for i in range(n):
            order = _open(crm, kind=("repair", "install", "complaint")[i % 3])
            if i % 2:
                svc.work_order_accept(actor=tech, order=order, version=order.version)
        if url.endswith("sla_dashboard"):
            # The dashboard counts orders met or past due: make every one count, whatever
            # the hour (a fresh order is due tomorrow or after a weekend).
            WorkOrder.objects.update(due_at=clock.now() - dt.timedelta(hours=1))
            sla_days_rebuild()

    target = url if url.startswith("/") else reverse(url)
    assert_flat(crm.world.client(persona), target, grow, n=3)
