"""The one reading of list query strings: bounded, overflow-safe, forgiving."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from wangge.core.params import (
    DB_INT_MAX,
    PAGE_MAX,
    TEXT_MAX,
    choice_param,
    flag_param,
    int_param,
    page_param,
    text_param,
)
from wangge.org.roles import Role


def q(query: str) -> QueryDict:
    return QueryDict(query)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        (str(DB_INT_MAX), DB_INT_MAX),
        (str(DB_INT_MAX + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("abc", None),
        ("1e5", None),
        ("0x10", None),
        ("²", None),  # isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits
        ("１２", None),  # full-width digits
        ("1\x002", None),
        ("", None),
    ],
)
def test_an_id_is_a_positive_ascii_integer_the_database_can_hold(
    raw: str, expected: int | None
) -> None:
    assert int_param({"grid": raw}, "grid") == expected


def test_a_missing_id_is_none() -> None:
    assert int_param(q(""), "grid") is None


def test_an_int_with_its_own_range() -> None:
    assert int_param({"days": "0"}, "days", minimum=0) == 0
    assert int_param({"days": "400"}, "days", minimum=0, maximum=365) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), ("-1", 1), ("0", 1), ("abc", 1), ("", 1), ("99999999999999999999", 1),
     (str(PAGE_MAX + 1), PAGE_MAX), ("last", 1)],
)  # fmt: skip
def test_a_page_number_is_always_a_page(raw: str, expected: int) -> None:
    assert page_param({"page": raw}) == expected


def test_text_is_bounded_and_loses_nul_and_control_characters() -> None:
    assert text_param({"q": "  张\x00三\x07 "}, "q") == "张三"
    assert len(text_param({"q": "x" * 5000}, "q")) == TEXT_MAX
    assert text_param({"q": "a\tb"}, "q") == "a\tb"
    assert text_param({}, "q") == ""


def test_a_choice_is_one_of_the_choices_or_nothing() -> None:
    assert choice_param({"role": Role.AGENT.value}, "role", Role) == Role.AGENT
    assert choice_param({"role": "boss"}, "role", Role) == ""
    assert choice_param({"active": "1"}, "active", ("0", "1")) == "1"
    assert choice_param({"active": ""}, "active", ("", "1")) == ""


def test_a_flag_is_on_only_for_1() -> None:
    assert flag_param({"stale": "1"}, "stale") is True
    assert flag_param({"stale": "true"}, "stale") is False
    assert flag_param({}, "stale") is False


def test_the_last_value_of_a_repeated_name_counts() -> None:
    assert int_param(q("grid=1&grid=2"), "grid") == 2
