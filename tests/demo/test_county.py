"""The demo county: reproducible, geometrically sound, and fully staffed once loaded."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import asdict
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from shapely.geometry import shape

from wangge.core.models import AuditEntry
from wangge.crm.models import Customer
from wangge.demo import county as demo
from wangge.org.models import (
    Department,
    Grid,
    GridMembership,
    Region,
    ServicePoint,
    Staff,
    Team,
    TeamMembership,
    User,
)
from wangge.org.roles import Role
from wangge.sales.models import Opportunity


def test_the_same_seed_gives_the_same_county() -> None:
    assert asdict(demo.generate()) == asdict(demo.generate())
    assert asdict(demo.generate(seed=7, grids=12)) == asdict(demo.generate(seed=7, grids=12))


def test_another_seed_gives_another_county() -> None:
    assert asdict(demo.generate(seed=1)) != asdict(demo.generate(seed=2))


@pytest.mark.parametrize(("seed", "grids"), [(demo.DEFAULT_SEED, 30), (1, 8), (2, 60)])
def test_grids_tile_the_county_outline(seed: int, grids: int) -> None:
    outline = demo.outline()
    shapes = [shape(g.boundary) for g in demo.generate(seed=seed, grids=grids).grids]
    assert len(shapes) == grids
    assert all(s.is_valid and not s.is_empty for s in shapes)
    # Coordinates are rounded to 6 decimals, so allow that much outside the outline.
    assert all(s.within(outline.buffer(1e-6)) for s in shapes)
    for a, b in itertools.combinations(shapes, 2):
        assert a.intersection(b).area < 1e-9
    assert sum(s.area for s in shapes) / outline.area > 0.99


def test_the_plain_values_are_the_models_choices() -> None:
    county = demo.generate()
    assert {s.role for s in county.staff} == set(Role.values)
    assert {r.kind for r in county.regions} <= set(Region.Kind.values)
    assert {t.kind for t in county.teams} == set(Team.Kind.values)


@pytest.fixture
def loaded(db: None) -> demo.County:
    # The county, not the apps' month of work (tests/demo/test_month.py loads that).
    call_command("demo", "--crm-scale", "0.02", "--no-work", stdout=StringIO())
    return demo.generate()


def test_the_loaded_county(loaded: demo.County) -> None:
    # One load for the read-only checks: each load of the whole county costs seconds.
    _every_demo_login_works_with_its_role(loaded)
    _every_grid_is_fully_staffed()
    assert Customer.objects.exists() and not Opportunity.objects.exists()  # --no-work
    _everyone_but_the_market_department_has_one_primary_grid()


def _every_demo_login_works_with_its_role(loaded: demo.County) -> None:
    assert [x.username for x in loaded.logins] == [u for u, _ in demo.PERSONAS]
    for login in loaded.logins:
        user = authenticate(username=login.username, password=demo.DEMO_PASSWORD)
        assert user is not None, login.username
        assert user.staff.role == login.role
        primary = user.staff.primary_membership
        assert (primary.grid.code if primary else "") == login.grid
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert authenticate(username="sd0100", password=demo.DEMO_PASSWORD) is not None


def _every_grid_is_fully_staffed() -> None:
    assert Grid.objects.count() == 30
    for grid in Grid.objects.prefetch_related("memberships"):
        roles = Counter(m.role for m in grid.memberships.all())
        assert roles[Role.GRID_MANAGER] == 1, grid.code
        for role in (Role.ACCOUNT_MARKETER, Role.SALES_MARKETER, Role.TECHNICIAN):
            assert roles[role] >= 1, (grid.code, role)
        assert grid.teams.filter(kind="grid").count() == 1


def _everyone_but_the_market_department_has_one_primary_grid() -> None:
    primaries = Counter(
        GridMembership.objects.filter(is_primary=True).values_list("staff_id", flat=True)
    )
    for staff in Staff.objects.all():
        expected = 0 if staff.role == Role.MARKET_ADMIN else 1
        assert primaries[staff.pk] == expected, staff
    assert Staff.objects.filter(role=Role.MARKET_ADMIN).count() == 2
    # Some managers cover a neighbouring grid besides their own.
    assert GridMembership.objects.filter(is_primary=False, role=Role.GRID_MANAGER).exists()


def _counts() -> dict[str, int]:
    models = (Department, Region, ServicePoint, Grid, Staff, User, GridMembership, Team)
    counts = {m.__name__: m.objects.count() for m in (*models, TeamMembership, AuditEntry)}
    counts["passwords"] = len(set(User.objects.values_list("password", flat=True)))
    return counts


def test_again_changes_nothing_and_reset_rebuilds_the_same_county(loaded: demo.County) -> None:
    before = _counts()
    out = StringIO()
    call_command("demo", "--crm-scale", "0.02", stdout=out)
    assert "--reset" in out.getvalue()
    assert _counts() == before
    call_command("demo", "--reset", "--crm-scale", "0.02", "--no-work", stdout=StringIO())
    assert _counts() == before
    stored = dict(Grid.objects.values_list("code", "boundary"))
    assert stored == {g.code: g.boundary for g in loaded.grids}
