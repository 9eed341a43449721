"""The grid manager names the grid's 包干 technician (seed §三 步骤二1): on the grid page and
through the grid API, for their own grids only, the grid's technicians only, versioned and
audited; new work orders then go to that person."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS, World
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.org import services as org_services
from wangge.org.models import Grid, Staff
from wangge.org.roles import Role
from wangge.service.services import orders as svc

pytestmark = pytest.mark.django_db

MAY = {"market_admin", "manager_a"}


def _second_technician(world: World) -> Staff:
    return org_services.staff_create(
        actor=SYSTEM,
        username="tech_a2",
        password="x-pass-123456",
        name="装维乙",
        employee_no="TECH_A2",
        role=Role.TECHNICIAN,
        primary_grid=world.grid_a,
    )


def _grid(world: World) -> Grid:
    return Grid.objects.get(pk=world.grid_a.pk)


def test_the_manager_names_the_technician_on_the_grid_page_and_it_is_audited(
    world: World,
) -> None:
    newer = _second_technician(world)
    client = world.client("manager_a")
    page = client.get(reverse("org:grid_detail", args=[world.grid_a.pk]))
    form = page.context["technician_form"]
    # The grid's own technicians only: not its marketers, not grid B's people.
    assert list(form.fields["technician"].queryset) == [world.staff["tech_a"], newer]
    assert 'data-testid="technician-form"' in page.content.decode()
    before = _grid(world).version
    response = client.post(
        reverse("org:grid_technician", args=[world.grid_a.pk]),
        {"technician": newer.pk, "version": before},
    )
    assert response.status_code == 302
    grid = _grid(world)
    assert (grid.technician, grid.version) == (newer, before + 1)
    entry = AuditEntry.objects.filter(action="update", object_id=str(grid.pk)).latest("at")
    assert entry.actor == world.user("manager_a")
    assert ("technician", None, newer.pk) in entry.changes()


def test_a_marketer_and_another_grids_manager_get_the_same_404(world: World) -> None:
    newer = _second_technician(world)
    url = reverse("org:grid_technician", args=[world.grid_a.pk])
    for persona in PERSONAS:
        response = world.client(persona).post(url, {"technician": newer.pk})
        assert response.status_code == (302 if persona in MAY else 404), persona
        Grid.objects.filter(pk=world.grid_a.pk).update(technician=None)
    manager_b = world.client(None)
    manager_b.force_login(world.staff["manager_b"].user)
    assert manager_b.get(url).status_code == 404
    assert manager_b.post(url, {"technician": newer.pk}).status_code == 404
    # Nor does the page offer the form to anyone who may not use it.
    grid_page = reverse("org:grid_detail", args=[world.grid_a.pk])
    assert "technician_form" not in world.client("account_a").get(grid_page).context
    with pytest.raises(PermissionDenied):
        org_services.grid_technician_set(
            actor=world.staff["manager_b"].user, grid=_grid(world), technician=newer
        )
    assert _grid(world).technician is None


def test_a_stale_form_or_a_stranger_changes_nothing(world: World) -> None:
    newer = _second_technician(world)
    client = world.client("manager_a")
    url = reverse("org:grid_technician", args=[world.grid_a.pk])
    opened = _grid(world).version
    org_services.grid_update(actor=SYSTEM, grid=_grid(world), data={"note": "市场部改了备注"})
    stale = client.post(url, {"technician": newer.pk, "version": opened})
    assert stale.status_code == 200
    assert "已被他人修改" in stale.content.decode()
    # A marketer of the grid is not among the choices, even when posted by hand.
    refused = client.post(
        url, {"technician": world.staff["account_a"].pk, "version": _grid(world).version}
    )
    assert refused.status_code == 200 and refused.context["form"].errors["technician"]
    assert _grid(world).technician is None


def test_the_manager_patches_the_technician_alone_through_the_api(world: World) -> None:
    newer = _second_technician(world)
    url = f"/api/org/grids/{world.grid_a.pk}"
    for persona in PERSONAS:
        response = world.api(persona).patch(
            url, data={"technician_id": newer.pk}, content_type="application/json"
        )
        assert response.status_code == (200 if persona in MAY else 404), persona
        Grid.objects.filter(pk=world.grid_a.pk).update(technician=None)
    api = world.api("manager_a")
    # Everything else of the grid stays the market department's.
    more = api.patch(
        url, data={"technician_id": newer.pk, "note": "改"}, content_type="application/json"
    )
    assert more.status_code == 404
    body = api.get(url).json()
    assert body["technician_id"] is None
    stale = api.patch(
        url,
        data={"technician_id": newer.pk, "version": body["version"] - 1},
        content_type="application/json",
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    not_a_technician = api.patch(
        url,
        data={"technician_id": world.staff["account_a"].pk, "version": body["version"]},
        content_type="application/json",
    )
    assert not_a_technician.status_code == 400
    assert _grid(world).technician is None
    done = api.patch(
        url,
        data={"technician_id": newer.pk, "version": body["version"]},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert (done.json()["technician_id"], done.json()["version"]) == (newer.pk, body["version"] + 1)
    # manager_b is no persona of the matrix: the manager of grid B, refused like a stranger.
    _token, raw = org_services.api_token_create(
        actor=SYSTEM, user=world.staff["manager_b"].user, name="t"
    )
    other = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    cleared = other.patch(url, data={"technician_id": None}, content_type="application/json")
    assert cleared.status_code == 404
    assert _grid(world).technician == newer


def test_new_orders_go_to_the_technician_the_manager_named(crm: CrmWorld) -> None:
    world = crm.world
    newer = _second_technician(world)
    world.client("manager_a").post(
        reverse("org:grid_technician", args=[world.grid_a.pk]), {"technician": newer.pk}
    )
    order, created = svc.work_order_create(
        actor=world.user("account_a"),
        kind="repair",
        source="call",
        customer=crm.customers["a_home"],
    )
    assert created and (order.state, order.assignee) == ("assigned", newer)
