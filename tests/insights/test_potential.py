"""The potential model on its own: it learns the factors, shows them, beats the naive
baseline on estates it never saw, and degrades to an average without data."""

from __future__ import annotations

import random

import pytest

from wangge.insights import potential
from wangge.insights.potential import Estate


def test_on_a_county_made_by_the_survey_factors_it_beats_the_grid_average() -> None:
    estates = potential.synthetic_county(300, 15, 0.05, seed=7)
    ev = potential.cross_validate(estates, folds=5)
    assert ev.estates == sum(e.penetration is not None for e in estates) and ev.folds == 5
    assert ev.model_mae < 0.8 * ev.baseline_mae
    assert ev.model_customers_mae < ev.baseline_customers_mae


def test_factors_add_up_to_the_forecast_and_point_the_right_way() -> None:
    rng = random.Random(3)
    estates = []
    for i in range(80):
        pc = rng.uniform(0.2, 0.9)
        estates.append(
            Estate(
                id=i,
                name=f"e{i}",
                grid="A",
                households=200,
                customers=round(200 * (0.1 + 0.5 * pc)),
                pc_owners=round(200 * pc),
            )
        )
    model = potential.fit(estates, alpha=0.1)
    rich = Estate(id=900, name="电脑多", grid="A", households=100, customers=0, pc_owners=90)
    poor = Estate(id=901, name="电脑少", grid="A", households=100, customers=0, pc_owners=20)
    ranked = potential.forecast(model, [poor, rich])
    assert [f.estate.name for f in ranked] == ["电脑多", "电脑少"]  # most untapped first
    top = ranked[0]
    assert top.factors[0][0] == "拥有电脑比例" and top.factors[0][1] > 0
    total = model.intercept + sum(c for _label, c in top.factors)
    assert top.penetration == pytest.approx(total)
    assert top.penetration == pytest.approx(0.1 + 0.5 * 0.9, abs=0.03)
    assert (top.potential, top.untapped) == (round(top.penetration * 100), top.potential)


def test_an_unsurveyed_estate_gets_the_average_and_no_factor_for_what_is_unknown() -> None:
    estates = [Estate(id=i, name=str(i), grid="A", households=100, customers=20 + i,
                      pc_owners=30 + 5 * i) for i in range(10)]  # fmt: skip
    model = potential.fit(estates)
    blank = Estate(id=99, name="没调查", grid="A", households=100, customers=0)
    (f,) = potential.forecast(model, [blank])
    labels = [label for label, _c in f.factors]
    assert "拥有电脑比例" not in labels


def test_without_known_estates_the_model_is_empty_not_an_error() -> None:
    tiny = [Estate(id=1, name="小", grid="A", households=3, customers=1)]  # too small to learn
    model = potential.fit(tiny)
    assert model.fitted_on == 0
    (f,) = potential.forecast(model, tiny)
    assert (f.penetration, f.potential, f.untapped) == (0.0, 0, 0)
    ev = potential.cross_validate(tiny)
    assert (ev.estates, ev.folds) == (0, 0)


def test_the_baseline_is_the_grids_average_then_the_countys() -> None:
    train = [Estate(id=1, name="a", grid="A", households=100, customers=20),
             Estate(id=2, name="b", grid="A", households=100, customers=40),
             Estate(id=3, name="c", grid="B", households=100, customers=90)]  # fmt: skip
    naive = potential.baseline(train)
    assert naive(Estate(id=9, name="x", grid="A", households=50, customers=0)) == pytest.approx(0.3)
    assert naive(Estate(id=9, name="y", grid="Z", households=50, customers=0)) == pytest.approx(0.5)
