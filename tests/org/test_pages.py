"""Pages behave as the market department and field staff expect."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.personas import World
from wangge.core.models import AuditEntry
from wangge.org.models import Grid, Staff

pytestmark = pytest.mark.django_db


def test_market_admin_creates_a_grid_through_the_form_and_it_is_audited(world: World) -> None:
    client = world.client("market_admin")
    response = client.post(
        reverse("org:grid_create"),
        {"code": "C", "name": "网格丙", "region": world.region_b.pk, "is_active": "on"},
    )
    grid = Grid.objects.get(code="C")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:grid_detail", args=[grid.pk])
    audit = client.get(reverse("core:audit_list"), {"object_id": str(grid.pk), "action": "create"})
    assert "网格丙" in audit.content.decode()


def test_grid_form_reports_errors_in_chinese_and_writes_nothing(world: World) -> None:
    client = world.client("market_admin")
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("org:grid_edit", args=[world.grid_a.pk]),
        {"code": "B", "name": "", "region": world.region_a.pk, "boundary": '{"type": "Point"}'},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in html  # name
    assert "网格 with this 网格编码 already exists" not in html
    assert "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon" in html
    world.grid_a.refresh_from_db()
    assert (world.grid_a.code, world.grid_a.name) == ("A", "网格甲")
    assert AuditEntry.objects.count() == before


def test_market_admin_edits_a_grid_and_the_audit_shows_before_and_after(world: World) -> None:
    client = world.client("market_admin")
    client.post(
        reverse("org:grid_edit", args=[world.grid_a.pk]),
        {"code": "A", "name": "网格甲一", "region": world.region_a.pk, "is_active": "on"},
    )
    entry = AuditEntry.objects.filter(action="update", object_id=str(world.grid_a.pk)).get()
    assert ("name", "网格甲", "网格甲一") in entry.changes()
    assert entry.actor == world.user("market_admin")


def test_market_admin_adds_a_person_with_a_primary_grid(world: World) -> None:
    client = world.client("market_admin")
    response = client.post(
        reverse("org:staff_create"),
        {
            "username": "newbie",
            "password": "a-long-password",
            "name": "新人",
            "employee_no": "N001",
            "phone": "13900000000",
            "role": "sales_marketer",
            "primary_grid": world.grid_b.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(employee_no="N001")
    assert staff.primary_membership is not None
    assert staff.primary_membership.grid == world.grid_b
    assert staff.user.check_password("a-long-password")
    # The new colleague appears in grid B's chart for B's sales marketer, not for A's manager.
    chart_b = reverse("org:grid_detail", args=[world.grid_b.pk])
    assert "新人" in world.client("sales_b").get(chart_b).content.decode()
    staff_page = reverse("org:staff_detail", args=[staff.pk])
    assert world.client("manager_a").get(staff_page).status_code == 404


def test_field_staff_need_a_primary_grid(world: World) -> None:
    response = world.client("market_admin").post(
        reverse("org:staff_create"),
        {
            "username": "x1",
            "password": "a-long-password",
            "name": "无网格",
            "employee_no": "X1",
            "role": "technician",
        },
    )
    assert response.status_code == 200
    assert "每人必须有一个主网格" in response.content.decode()
    assert not Staff.objects.filter(employee_no="X1").exists()


def test_moving_a_person_to_another_primary_grid(world: World) -> None:
    tech = world.staff["tech_a"]
    world.client("market_admin").post(
        reverse("org:staff_edit", args=[tech.pk]),
        {
            "name": tech.name,
            "employee_no": tech.employee_no,
            "phone": tech.phone,
            "role": tech.role,
            "department": tech.department_id,
            "primary_grid": world.grid_b.pk,
        },
    )
    tech.refresh_from_db()
    assert tech.primary_membership is not None and tech.primary_membership.grid == world.grid_b


def test_list_filters_answer_htmx_with_only_the_results(world: World) -> None:
    client = world.client("market_admin")
    full = client.get(reverse("org:staff_list"), {"role": "technician"})
    part = client.get(reverse("org:staff_list"), {"role": "technician"}, HTTP_HX_REQUEST="true")
    assert "<html" in full.content.decode()
    body = part.content.decode()
    assert "<html" not in body and 'id="results"' in body
    assert "装维甲" in body and "经理甲" not in body


def test_phone_numbers_are_masked_for_agents_but_not_for_colleagues(world: World) -> None:
    agent = world.staff["agent_a"]
    manager = world.staff["manager_a"]
    # An agent sees their own number whole.
    own = world.client("agent_a").get(reverse("org:staff_detail", args=[agent.pk]))
    assert agent.phone in own.content.decode()
    # A manager sees a colleague's number whole.
    page = world.client("manager_a").get(reverse("org:staff_detail", args=[agent.pk]))
    assert agent.phone in page.content.decode()
    # Through the API an agent sees only itself; its own phone is not masked.
    items = world.api("agent_a").get("/api/org/staff").json()["items"]
    assert [i["phone"] for i in items] == [agent.phone]
    assert manager.phone not in str(items)


def test_org_chart_lists_people_by_role_with_the_manager_first(world: World) -> None:
    html = (
        world.client("market_admin")
        .get(reverse("org:grid_detail", args=[world.grid_a.pk]))
        .content.decode()
    )
    labels = ("网格经理", "营销员（客户）", "安装维护专员", "代理商")
    order = [html.index(label) for label in labels]
    assert order == sorted(order)


def test_phone_for_masks_for_roles_without_the_right(world: World) -> None:
    from wangge.org.selectors import phone_for

    number = "13800138000"
    assert phone_for(user=world.user("agent_a"), phone=number) == "138****8000"
    assert phone_for(user=world.user("manager_a"), phone=number) == number
    assert (
        phone_for(user=world.user("agent_a"), phone=number, owner_user_id=world.user("agent_a").pk)
        == number
    )


def test_market_admin_names_the_grids_technician_on_the_form_and_the_grid_page_shows_it(
    world: World,
) -> None:
    client = world.client("market_admin")
    edit = reverse("org:grid_edit", args=[world.grid_a.pk])
    offered = client.get(edit).context["form"].fields["technician"].queryset
    assert list(offered) == [world.staff["tech_a"]]  # the grid's technicians only
    client.post(
        edit,
        {
            "code": "A",
            "name": "网格甲",
            "region": world.region_a.pk,
            "is_active": "on",
            "technician": world.staff["tech_a"].pk,
        },
    )
    world.grid_a.refresh_from_db()
    assert world.grid_a.technician == world.staff["tech_a"]
    page = world.client("manager_a").get(reverse("org:grid_detail", args=[world.grid_a.pk]))
    assert "装维甲" in page.content.decode().split('data-testid="grid-technician"')[1][:200]
