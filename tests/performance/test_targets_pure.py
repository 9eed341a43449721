"""The pure calculators of targets and awards: decomposition always adds up, eligibility is
exact and monotone, scores have no cap (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.performance import awards, decompose
from wangge.performance.periods import parse_period

weights = st.dictionaries(
    st.text(min_size=1, max_size=3),
    st.integers(min_value=0, max_value=10_000),
    min_size=1,
    max_size=12,
)
places = st.sampled_from([0, 2])
#: Shared CPU: no per-example deadline (a slow example is not a wrong one).
quick = settings(deadline=None, max_examples=100, database=None)


@quick
@given(total=st.integers(min_value=0, max_value=10**9), w=weights, p=places)
def test_split_always_adds_up_to_the_total(total: int, w: dict[str, int], p: int) -> None:
    amount = Decimal(total).scaleb(-p)
    parts = decompose.split(amount, w, places=p)
    assert sum(parts.values()) == amount
    assert set(parts) == set(w)
    assert all(v >= 0 for v in parts.values())


@quick
@given(total=st.integers(min_value=0, max_value=10**6), w=weights)
def test_split_gives_each_share_within_one_unit_of_its_exact_quota(
    total: int, w: dict[str, int]
) -> None:
    parts = decompose.split(total, w)
    whole = sum(w.values())
    for k, v in parts.items():
        quota = Decimal(total) * w[k] / whole if whole else Decimal(total) / len(w)
        assert abs(v - quota) < 1


@quick
@given(
    total=st.integers(min_value=0, max_value=10**7),
    grids=st.dictionaries(
        st.integers(1, 20),
        st.dictionaries(st.integers(100, 200), st.integers(0, 500), max_size=6),
        min_size=1,
        max_size=6,
    ),
    p=places,
)
def test_a_proposal_adds_up_at_every_level(
    total: int, grids: dict[int, dict[int, int]], p: int
) -> None:
    amount = Decimal(total).scaleb(-p)
    # Persons are unique across grids (one primary grid each).
    people = {g: {g * 1000 + s: w for s, w in ps.items()} for g, ps in grids.items()}
    grid_w = {g: sum(ps.values()) for g, ps in people.items()}
    plan = decompose.propose(amount, grid_w, people, places=p)
    assert decompose.check(plan.total, plan.grids, plan.persons, plan.months) == []
    assert sum(plan.grids.values()) == amount
    for months in plan.months.values():
        assert len(months) == 12


def test_check_says_which_level_is_off_and_by_how_much() -> None:
    found = decompose.check(
        100,
        {"A": 60, "B": 41},
        {"A": {"x": 30, "y": 29}},
        {"x": [Decimal(2)] * 12, "y": [Decimal(2)] * 11 + [Decimal(7)]},
    )
    assert [(d.level, d.key, d.off) for d in found] == [
        ("grids", None, 1),
        ("persons", "A", -1),
        ("months", "x", -6),
    ]  # y's months (2·11 + 7 = 29) add up


def test_split_refuses_a_total_finer_than_its_unit_and_negative_weights() -> None:
    with pytest.raises(decompose.DecompositionError):
        decompose.split(Decimal("10.5"), {"a": 1}, places=0)
    with pytest.raises(decompose.DecompositionError):
        decompose.split(10, {"a": -1, "b": 2})


def test_equal_weights_give_the_leftover_units_to_the_first_keys() -> None:
    assert decompose.split_months(14) == [Decimal(2)] * 2 + [Decimal(1)] * 10


@pytest.mark.parametrize(
    ("actual", "target", "eligible"),
    [
        (120, 100, True),  # 120.00% qualifies (inclusive)
        (Decimal("11999"), Decimal("10000"), False),  # 119.99% does not
        (Decimal("119995"), Decimal("100000"), False),  # 119.995%: no rounding up
        (Decimal("120001"), Decimal("100000"), True),
        (5, 0, False),  # no target, no award
    ],
)
def test_growth_star_is_an_exact_comparison_at_120_percent(
    actual: Decimal, target: Decimal, eligible: bool
) -> None:
    assert awards.growth_star(actual, target) is eligible


def test_shown_completion_never_rounds_up_to_the_threshold() -> None:
    assert awards.completion(Decimal("119995"), Decimal("100000")) == Decimal("119.99")
    assert awards.completion(6, 5) == Decimal("120.00")
    assert awards.completion(1, 0) is None


money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)


@quick
@given(target=money.filter(lambda t: t > 0), a=money, b=money)
def test_growth_star_is_monotone_in_completion(target: Decimal, a: Decimal, b: Decimal) -> None:
    low, high = min(a, b), max(a, b)
    if awards.growth_star(low, target):
        assert awards.growth_star(high, target)


def test_scores_have_no_upper_cap_and_leave_out_indicators_without_a_target() -> None:
    weights = {"broadband_revenue": Decimal("0.6"), "broadband_new": Decimal("0.4")}
    assert awards.score({"broadband_revenue": (300, 100), "broadband_new": (10, 10)}, weights) == (
        Decimal("220.00")
    )
    assert awards.score({"broadband_revenue": (0, 0), "broadband_new": (15, 10)}, weights) == (
        Decimal("150.00")
    )
    assert awards.score({}, weights) is None


def test_two_part_score_weighs_department_and_team() -> None:
    assert awards.two_part(Decimal(100), Decimal(150), Decimal("0.7"), Decimal("0.3")) == Decimal(
        "115.00"
    )
    assert awards.two_part(None, Decimal(80), Decimal("0.7"), Decimal("0.3")) == Decimal("80.00")


def test_rank_ties_share_a_place_and_top_n_includes_a_tie_at_the_last_place() -> None:
    values = {"a": Decimal(90), "b": Decimal(120), "c": Decimal(90), "d": None, "e": Decimal(10)}
    assert [(r.rank, r.key) for r in awards.rank(values)] == [
        (1, "b"),
        (2, "a"),
        (2, "c"),
        (4, "e"),
    ]
    assert [r.key for r in awards.top(values, 2)] == ["b", "a", "c"]


def test_scorecard_caps_each_line_and_takes_complaints_off() -> None:
    criteria = [
        awards.Criterion("completion", Decimal(40), Decimal(120)),
        awards.Criterion("complaints", Decimal(20), Decimal(5), lower_is_better=True),
        awards.Criterion("log_score", Decimal(40), Decimal(100)),
    ]
    total, lines = awards.scorecard(
        {"completion": Decimal(150), "complaints": 1, "log_score": None}, criteria
    )
    assert lines == {
        "completion": Decimal("40.00"),
        "complaints": Decimal("16.00"),
        "log_score": Decimal("0.00"),
    }
    assert total == Decimal("56.00")


def test_periods_are_months_and_quarters() -> None:
    q = parse_period("2026-Q2")
    assert (q.start.isoformat(), q.end.isoformat(), q.month_numbers) == (
        "2026-04-01",
        "2026-06-30",
        [4, 5, 6],
    )
    assert parse_period("2026-12").end.isoformat() == "2026-12-31"
    for bad in ("2026-13", "2026-Q5", "26-01", ""):
        with pytest.raises(ValueError):
            parse_period(bad)
