"""The funnel's arithmetic over hand-built histories (pure: no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wangge.sales.funnel import LADDER, Funnel, FunnelRow, StageFigures, compute
from wangge.sales.models import Stage

T0 = dt.datetime(2000, 1, 3, 9, 0, tzinfo=dt.UTC)  # any instant: only differences count


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def by_stage(funnel: Funnel) -> dict[str, StageFigures]:
    return {s.stage: s for s in funnel.stages}


def test_the_ladder_is_the_models() -> None:
    assert set(LADDER) | {Stage.LOST} == set(Stage.values)


def test_empty_rows_give_zeros_and_no_rates() -> None:
    f = compute([])
    assert f.total == 0 and f.win_rate is None and f.value_won == Decimal("0.00")
    assert all(s.reached == 0 and s.conversion is None and s.median_hours is None for s in f.stages)


def test_reached_counts_every_stage_up_to_the_furthest_even_when_skipped() -> None:
    rows = [
        FunnelRow(created_at=h(0), stage="need"),
        FunnelRow(created_at=h(0), stage="proposal", moves=[(h(10), "proposal")]),
        # Won straight from 确认意向: it has reached 已下单 too.
        FunnelRow(
            created_at=h(0),
            stage="won",
            moves=[(h(2), "proposal"), (h(4), "confirmed"), (h(8), "won")],
            won_value=Decimal("68.00"),
        ),
        # Lost at 方案报价: it keeps having reached it.
        FunnelRow(
            created_at=h(0),
            stage="lost",
            moves=[(h(6), "proposal"), (h(30), "lost")],
            lost_reason="price",
        ),
    ]
    f = compute(rows)
    s = by_stage(f)
    assert [s[x].reached for x in LADDER] == [4, 3, 1, 1, 1]
    assert s["need"].conversion == pytest.approx(3 / 4)
    assert s["proposal"].conversion == pytest.approx(1 / 3)
    assert s["ordered"].conversion == pytest.approx(1.0)
    assert s["won"].conversion is None
    assert (f.won, f.lost, f.open) == (1, 1, 2)
    assert f.win_rate == pytest.approx(0.5)
    assert f.lost_reasons == [("price", 1)]
    assert f.value_won == Decimal("68.00")


def test_time_in_stage_counts_completed_stays_with_median_and_mean() -> None:
    rows = [
        FunnelRow(created_at=h(0), stage="proposal", moves=[(h(2), "proposal")]),
        FunnelRow(created_at=h(0), stage="proposal", moves=[(h(4), "proposal")]),
        FunnelRow(created_at=h(0), stage="proposal", moves=[(h(12), "proposal")]),
        FunnelRow(created_at=h(0), stage="need"),  # still in 需求: not measured
    ]
    s = by_stage(compute(rows))
    assert s["need"].stays == 3
    assert s["need"].median_hours == pytest.approx(4)
    assert s["need"].mean_hours == pytest.approx(6)
    assert s["proposal"].stays == 0 and s["proposal"].median_hours is None


def test_a_reopened_loss_is_judged_by_where_it_is_now_and_adds_its_stays() -> None:
    reopened = FunnelRow(
        created_at=h(0),
        stage="won",
        moves=[
            (h(5), "proposal"),
            (h(15), "lost"),
            (h(115), "need"),  # the customer came back
            (h(118), "proposal"),
            (h(120), "confirmed"),
            (h(144), "won"),
        ],
        won_value=Decimal("99.00"),
    )
    still_lost = FunnelRow(
        created_at=h(0), stage="lost", moves=[(h(1), "lost")], lost_reason="competitor"
    )
    f = compute([reopened, still_lost])
    s = by_stage(f)
    assert s["need"].reached == 2 and s["won"].reached == 1
    # 需求 5 h + 3 h after reopening; the other row 1 h.
    assert s["need"].mean_hours == pytest.approx((8 + 1) / 2)
    assert s["proposal"].mean_hours == pytest.approx(12)
    assert s["confirmed"].median_hours == pytest.approx(24)
    assert (f.won, f.lost) == (1, 1) and f.win_rate == pytest.approx(0.5)
    assert f.lost_reasons == [("competitor", 1)]  # the reopened row's old loss is not counted
    assert f.value_won == Decimal("99.00")


def test_lost_reasons_most_frequent_first() -> None:
    rows = [
        FunnelRow(created_at=h(0), stage="lost", moves=[(h(1), "lost")], lost_reason=r)
        for r in ("price", "no_need", "price", "competitor", "no_need", "price")
    ]
    f = compute(rows)
    assert f.lost_reasons == [("price", 3), ("no_need", 2), ("competitor", 1)]
    assert f.win_rate == 0.0


def test_moves_out_of_order_are_read_in_time_order() -> None:
    row = FunnelRow(
        created_at=h(0), stage="confirmed", moves=[(h(9), "confirmed"), (h(3), "proposal")]
    )
    s = by_stage(compute([row]))
    assert s["need"].mean_hours == pytest.approx(3)
    assert s["proposal"].mean_hours == pytest.approx(6)
