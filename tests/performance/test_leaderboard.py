"""The leaderboard on the today view and the grid page: this month's places by score, only
the persons the rankings page would show, nothing before anyone has a score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine

from tests.crm.world import CrmWorld
from tests.performance.factories_targets import crm_fixture, indicator, person_target, sale
from wangge.performance.models import Award, AwardKind, Target

__all__ = ["crm_fixture"]
YEAR = 2026


@pytest.fixture
def march() -> Iterator[None]:
    with time_machine.travel(dt.datetime(YEAR, 3, 20, 2, tzinfo=dt.UTC), tick=False):
        yield


def _figures(crm: CrmWorld) -> None:
    """account_a 150% and sales_b 50% of March's 10; grid A 100%, grid B 50% of 12."""
    w = crm.world
    person_target(w.staff["account_a"], YEAR, [10] * 12, grid=w.grid_a)
    person_target(w.staff["sales_b"], YEAR, [10] * 12, grid=w.grid_b)
    for grid in (w.grid_a, w.grid_b):
        Target.objects.create(indicator=indicator(), year=YEAR, month=0, level="grid",
                              grid=grid, value=Decimal(144))  # fmt: skip
    for i in range(15):
        sale(crm, w.staff["account_a"], dt.date(YEAR, 3, 1 + i))
    for i in range(5):
        sale(crm, w.staff["sales_b"], dt.date(YEAR, 3, 1 + i), grid=w.grid_b)
    Award.objects.create(kind=AwardKind.GROWTH_STAR, period="2026-02", staff=w.staff["account_a"],
                         status=Award.Status.AWARDED, figure=Decimal(130))  # fmt: skip


def test_the_today_view_shows_my_place_my_grids_people_and_the_top_grids(
    crm: CrmWorld, march: None
) -> None:
    _figures(crm)
    page = crm.world.client("account_a").get("/")
    html = page.content.decode()
    assert 'data-testid="today-performance.leaderboard"' in html
    assert "我的排名：第 1 名 / 1 人，得分 150.00" in html
    assert html.count("个人第 ") == 1  # grid B's seller is not on grid A's leaderboard
    assert f"网格第 1 名：{crm.world.grid_a}，得分 125.00" in html
    assert f"网格第 2 名：{crm.world.grid_b}，得分 41.66" in html
    assert "2026-02 获奖" in html


def test_the_market_department_sees_every_seller_ranked(crm: CrmWorld, march: None) -> None:
    _figures(crm)
    items = crm.world.client("market_admin").get("/").context["sections"]
    labels = [str(i.label) for s, its in items if s.key == "performance.leaderboard" for i in its]
    assert labels[0].startswith("个人第 1 名：") and "150.00" in labels[0]
    assert labels[1].startswith("个人第 2 名：") and "50.00" in labels[1]


def test_the_grid_page_shows_its_place_and_its_peoples_ranking(crm: CrmWorld, march: None) -> None:
    _figures(crm)
    page = crm.world.client("manager_a").get(f"/grids/{crm.world.grid_a.pk}/")
    html = page.content.decode()
    assert 'data-testid="panel-leaderboard"' in html
    assert "本网格在 2 个网格中排第 1 名，得分 125.00。" in html
    assert html.count('data-testid="leader-row"') == 1
    assert "成长之星（2026-02）" in html


def test_no_leaderboard_before_anyone_has_a_target_and_none_for_agents(
    crm: CrmWorld, march: None
) -> None:
    home = crm.world.client("account_a").get("/").content.decode()
    assert "today-performance.leaderboard" not in home
    _figures(crm)
    agent = crm.world.client("agent_a").get("/").content.decode()
    assert "today-performance.leaderboard" not in agent
