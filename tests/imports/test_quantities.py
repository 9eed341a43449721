"""Counts as surveys write them (20台, 300户, 约50, 50余) read as numbers; what is not one
number (a range, a word) is still refused, and an import row with one is a row error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wangge.core.imports.parsers import ParseError, parse_int, parse_quantity

WIDE = str.maketrans("0123456789,", "０１２３４５６７８９，")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("20台", 20),
        ("300户", 300),
        ("约50", 50),
        ("约 50", 50),
        ("大约300户", 300),
        ("50余", 50),
        ("50余户", 50),
        ("50多台", 50),
        ("50来人", 50),
        ("50+", 50),
        ("50以上", 50),
        ("50户以上", 50),
        ("300户左右", 300),
        ("300左右", 300),
        ("1,200", 1200),
        ("1,200户", 1200),
        ("约1,200户", 1200),
        ("１２０户", 120),
        ("５０余户", 50),
        ("1.2万", 12000),
        ("1.2万户", 12000),
        ("3万余户", 30000),
        ("12栋", 12),
        ("6单元", 6),
        ("64端口", 64),
        ("12.0", 12),
        ("12", 12),
        (" 36 个 ", 36),
    ],
)
def test_a_quantity_with_a_unit_or_qualifier_reads_as_its_number(text: str, number: int) -> None:
    assert parse_int(text) == number


@pytest.mark.parametrize(
    "text",
    ["若干", "不详", "户", "约", "多", "20-30", "20~30", "二十", "x", "12a", "1.2.3台",
     "约约50", "50台台", "万", "1,23户", "abc户"],
)  # fmt: skip
def test_what_is_not_one_number_is_refused(text: str) -> None:
    with pytest.raises(ParseError):
        parse_int(text)


def test_a_fraction_with_a_unit_is_not_a_whole_number() -> None:
    with pytest.raises(ParseError, match="整数"):
        parse_int("12.5台")
    assert parse_quantity("12.5台") == Decimal("12.5")


def test_cells_that_are_numbers_stay_numbers() -> None:
    assert parse_int(20) == 20
    assert parse_int(20.0) == 20
    with pytest.raises(ParseError):
        parse_int(True)


@given(
    n=st.integers(min_value=0, max_value=10**9),
    prefix=st.sampled_from(["", "约", "大约", "近"]),
    qualifier=st.sampled_from(["", "余", "多", "+"]),
    unit=st.sampled_from(["", "户", "台", "人", "个"]),
    grouped=st.booleans(),
    wide=st.booleans(),
)
def test_any_written_count_reads_back(
    n: int, prefix: str, qualifier: str, unit: str, grouped: bool, wide: bool
) -> None:
    digits = f"{n:,}" if grouped else str(n)
    text = f"{prefix}{digits}{qualifier}{unit}"
    assert parse_int(text.translate(WIDE) if wide else text) == n
