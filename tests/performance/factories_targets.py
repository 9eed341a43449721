"""Small hand-built figures for the targets and awards tests: sales records and targets."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World
from wangge.org.models import Grid, Staff
from wangge.performance.models import Indicator, SalesRecord, Target

_refs = itertools.count(1)


@pytest.fixture(name="crm")
def crm_fixture(world: World) -> CrmWorld:
    """Two grids, personas and a few customers (tests import this fixture by name)."""
    return build_crm(world)


def sale(
    crm: CrmWorld,
    seller: Staff,
    day: dt.date,
    *,
    amount: str = "100.00",
    line: str = "broadband",
    grid: Grid | None = None,
) -> SalesRecord:
    """A sales record as billing would report it (written directly: the sales part's
    services are another helper's)."""
    return SalesRecord.objects.create(
        reference=f"T-{next(_refs)}",
        sold_on=day,
        customer=crm.customers["a_home"],
        business_line=line,
        amount=Decimal(amount),
        seller=seller,
        grid=grid or crm.world.grid_a,
        source=SalesRecord.Source.IMPORT,
    )


def indicator(code: str = "broadband_new") -> Indicator:
    return Indicator.objects.get(code=code)


def person_target(
    staff: Staff,
    year: int,
    months: list[int],
    *,
    code: str = "broadband_new",
    grid: Grid | None = None,
) -> None:
    ind = indicator(code)
    base = {"indicator": ind, "year": year, "level": "person", "staff": staff, "grid": grid}
    Target.objects.create(month=0, value=Decimal(sum(months)), **base)
    for m, v in enumerate(months, start=1):
        Target.objects.create(month=m, value=Decimal(v), **base)
