"""Services write, audit, and roll back as one."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from tests.personas import World
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.org import services
from wangge.org.models import Grid, GridMembership, Staff, User
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db


def test_grid_create_records_who_and_what(world: World) -> None:
    admin = world.user("market_admin")
    grid = services.grid_create(actor=admin, code="C", name="网格丙", region=world.region_a)
    entry = AuditEntry.objects.filter(object_id=str(grid.pk), content_type__model="grid").get()
    assert entry.actor == admin
    assert entry.actor_repr == "市场甲"
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.before is None
    assert entry.after is not None and entry.after["name"] == "网格丙"


def test_grid_update_records_before_and_after(world: World) -> None:
    admin = world.user("market_admin")
    services.grid_update(actor=admin, grid=world.grid_a, data={"name": "网格甲（新）"})
    entry = AuditEntry.objects.filter(action="update", object_id=str(world.grid_a.pk)).latest("at")
    assert entry.changes() == [("name", "网格甲", "网格甲（新）")]


def test_an_update_that_changes_nothing_leaves_no_entry(world: World) -> None:
    before = AuditEntry.objects.count()
    services.grid_update(
        actor=world.user("market_admin"), grid=world.grid_a, data={"name": "网格甲"}
    )
    assert AuditEntry.objects.count() == before


def test_a_failing_audit_write_rolls_the_change_back(world: World) -> None:
    with (
        mock.patch("wangge.core.services.audit_record", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        services.grid_create(
            actor=world.user("market_admin"), code="D", name="网格丁", region=world.region_a
        )
    assert not Grid.objects.filter(code="D").exists()


def test_staff_create_that_fails_half_way_leaves_no_login_behind(world: World) -> None:
    # The membership step fails after the user and staff rows were written.
    with pytest.raises(ValidationError):
        services.staff_create(
            actor=SYSTEM,
            username="half",
            password="x" * 10,
            name="半途",
            employee_no="H1",
            role=Role.SALES_MARKETER,
            primary_grid=None,
        )
    assert not User.objects.filter(username="half").exists()
    assert not Staff.objects.filter(employee_no="H1").exists()
    assert not AuditEntry.objects.filter(object_repr__contains="半途").exists()


def test_duplicate_grid_code_is_a_validation_error_not_a_crash(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.grid_create(actor=SYSTEM, code="A", name="重复", region=world.region_a)
    assert "code" in exc.value.message_dict


def test_invalid_boundary_is_refused_with_the_reason(world: World) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationError) as exc:
        services.grid_update(actor=SYSTEM, grid=world.grid_a, data={"boundary": bowtie})
    assert "Self-intersection" in str(exc.value)
    world.grid_a.refresh_from_db()
    assert world.grid_a.boundary is None


def test_services_refuse_people_without_the_right(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.grid_update(actor=world.user("manager_a"), grid=world.grid_a, data={"name": "x"})


def test_a_person_has_exactly_one_primary_grid(world: World) -> None:
    tech = world.staff["tech_a"]
    services.membership_set(
        actor=SYSTEM, staff=tech, grid=world.grid_b, role=Role.TECHNICIAN, is_primary=True
    )
    primaries = GridMembership.objects.filter(staff=tech, is_primary=True)
    assert [m.grid for m in primaries] == [world.grid_b]
    # The database itself refuses a second primary, whatever the code does.
    with pytest.raises(IntegrityError):
        GridMembership.objects.filter(staff=tech, grid=world.grid_a).update(is_primary=True)


def test_moving_someone_changes_what_they_see_at_once(world: World) -> None:
    user = world.user("tech_a")
    assert set(Grid.objects.visible_to(user)) == {world.grid_a}
    services.membership_set(
        actor=SYSTEM, staff=world.staff["tech_a"], grid=world.grid_b, role=Role.TECHNICIAN
    )
    assert set(Grid.objects.visible_to(user)) == {world.grid_a, world.grid_b}


def test_virtual_team_membership_keeps_the_home_department(world: World) -> None:
    tech = world.staff["tech_a"]
    assert tech.department is not None and tech.department.code == "ENG"
    assert world.virtual.members.filter(pk=tech.pk).exists()
    tech.refresh_from_db()
    assert tech.department.code == "ENG"


def test_disabled_login_sees_nothing(world: World) -> None:
    services.staff_set_active(actor=SYSTEM, staff=world.staff["manager_a"], active=False)
    user = User.objects.get(username="manager_a")
    assert not Grid.objects.visible_to(user).exists()


def test_login_without_staff_profile_sees_nothing(world: World) -> None:
    stray = User.objects.create_user("stray", password="x" * 10)
    assert not Grid.objects.visible_to(stray).exists()
    assert not Staff.objects.visible_to(stray).exists()


def test_the_grids_named_technician_must_be_one_of_its_technicians(world: World) -> None:
    admin = world.user("market_admin")
    with pytest.raises(ValidationError) as refused:
        services.grid_update(
            actor=admin, grid=world.grid_a, data={"technician": world.staff["account_a"]}
        )
    assert "technician" in refused.value.message_dict
    services.grid_update(actor=admin, grid=world.grid_a, data={"technician": world.staff["tech_a"]})
    entry = AuditEntry.objects.filter(action="update", object_id=str(world.grid_a.pk)).latest("at")
    assert ("technician", None, world.staff["tech_a"].pk) in entry.changes()
