"""The parsers read every messy form people type, and refuse the rest with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wangge.core.imports import parsers
from wangge.core.imports.parsers import (
    ParseError,
    normalise_text,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_money,
    parse_percent,
    parse_phone,
)

WIDE = str.maketrans("0123456789", "０１２３４５６７８９")
# Built from integers, not `from_regex`: the same numbers, generated in a fraction of the
# time (the regex strategy tripped Hypothesis's too-slow check on a loaded machine).
mobiles = st.builds(
    lambda net, rest: f"1{net}{rest:09d}", st.integers(3, 9), st.integers(0, 10**9 - 1)
)


def _messy_forms(m: str) -> list[object]:
    return [
        m,
        f"{m[:3]}-{m[3:7]}-{m[7:]}",
        f"{m[:3]} {m[3:7]} {m[7:]}",
        f"+86 {m[:3]} {m[3:7]} {m[7:]}",
        f"+86-{m}",
        f"0086{m}",
        f"86{m}",
        f"{m}.0",
        float(m),
        int(m),
        m.translate(WIDE),
        f" {m[:3]}－{m[3:7]}－{m[7:]} ".translate(WIDE),
        f"（{m[:3]}）{m[3:]}",
    ]


@given(mobiles)
def test_every_messy_form_of_a_mobile_reads_as_its_eleven_digits(mobile: str) -> None:
    for form in _messy_forms(mobile):
        assert parse_phone(form) == mobile, form


@given(
    st.sampled_from(["010", "021", "0739", "0731", "0755"]),
    st.builds(
        lambda first, rest, digits: f"{first}{rest:0{digits}d}",
        st.integers(2, 8),
        st.integers(0, 10**7 - 1),
        st.sampled_from([6, 7]),
    ).map(lambda local: local[:8]),
)
def test_landlines_keep_their_area_code_with_a_dash(area: str, local: str) -> None:
    expected = f"{area}-{local}"
    for form in (expected, f"{area}{local}", f"({area}){local}", f"{area} {local}"):
        assert parse_phone(form) == expected
    assert parse_phone(f"+86 {area[1:]} {local}") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1380013800", "位数不对"),
        ("138001380001", "位数不对"),
        ("12800138000", "不是有效的手机号"),
        ("2712345", "区号"),
        ("138-0013-800a", "不是有效"),
        ("13800138000/13900139000", "一个号码"),
        ("+1 415 555 0100", "+86"),
        (True, "不是有效"),
    ],
)
def test_bad_phones_say_what_is_wrong(value: object, message: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_phone(value)
    assert message in str(exc.value)


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


@given(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_listed_date_form_reads_as_the_same_day(day: dt.date) -> None:
    y, m, d = day.year, day.month, day.day
    forms: list[object] = [
        day,
        dt.datetime(y, m, d, 0, 0),
        dt.datetime(y, m, d, 15, 30),
        _excel_serial(day),
        float(_excel_serial(day)),
        str(_excel_serial(day)),
        f"{y}-{m:02d}-{d:02d}",
        f"{y}-{m}-{d}",
        f"{y}/{m}/{d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m:02d}月{d:02d}日",
        f"{y}{m:02d}{d:02d}",
        int(f"{y}{m:02d}{d:02d}"),
        f"{y}-{m:02d}-{d:02d} 00:00:00",
        f"{y}年{m}月{d}日".translate(WIDE),
    ]
    for form in forms:
        assert parse_date(form) == day, form


def test_excel_serials_match_excel() -> None:
    assert parse_date(44844) == dt.date(2022, 10, 10)
    assert parse_date(44844.75) == dt.date(2022, 10, 10)  # a time of day is dropped


def test_a_month_alone_means_its_first_day() -> None:
    assert parse_date("2019年6月") == dt.date(2019, 6, 1)
    assert parse_date("2019-06") == dt.date(2019, 6, 1)


@pytest.mark.parametrize("value", ["2022-02-30", "2022年13月1日", "明年", "2019", 2019, "10/10/22"])
def test_impossible_or_unreadable_dates_are_refused(value: object) -> None:
    with pytest.raises(ParseError):
        parse_date(value)


@given(st.integers(min_value=0, max_value=10000))
def test_percent_forms_agree(basis_points: int) -> None:
    fraction = Decimal(basis_points) / 10000
    as_percent = fraction * 100
    forms: list[object] = [f"{as_percent}%", f"{as_percent} %", f"{as_percent}％".translate(WIDE)]
    if as_percent > 1:
        forms.append(str(as_percent))  # a number above 1 without % is a percentage
    if fraction <= 1:
        forms += [str(fraction), float(fraction)]
    for form in forms:
        assert parse_percent(form) == fraction, form


@pytest.mark.parametrize(
    ("value", "expected"),
    [("85%", "0.85"), ("85", "0.85"), ("0.85", "0.85"), (0.85, "0.85"), ("85.5%", "0.855"),
     ("100%", "1"), (1, "1"), ("0", "0"), ("８５％", "0.85")],
)  # fmt: skip
def test_percents(value: object, expected: str) -> None:
    assert parse_percent(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["120%", "-5%", "八成", "101"])
def test_percents_outside_0_to_100_are_refused(value: object) -> None:
    with pytest.raises(ParseError):
        parse_percent(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,234.50", "1234.50"), ("１，２３４．５", "1234.5"), (0.1, "0.1"), (12, "12"),
     (" -3.5 ", "-3.5"), ("1234", "1234")],
)  # fmt: skip
def test_decimals(value: object, expected: str) -> None:
    assert parse_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["1,23,4", "12a", "", "1.2.3", True])
def test_bad_decimals(value: object) -> None:
    with pytest.raises(ParseError):
        parse_decimal(value)


def test_integers_and_money() -> None:
    assert parse_int("1,200") == 1200
    assert parse_int(12.0) == 12
    assert parse_int("１２") == 12
    with pytest.raises(ParseError, match="整数"):
        parse_int("12.5")
    assert parse_money("¥1,234.5") == Decimal("1234.50")
    assert parse_money("88元") == Decimal("88.00")


@pytest.mark.parametrize("value", ["是", "Y", "y", "yes", "TRUE", "1", 1, "√", "✓", True, "启用"])
def test_yes(value: object) -> None:
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["否", "N", "no", "false", "0", 0, "×", False, "停用"])
def test_no(value: object) -> None:
    assert parse_bool(value) is False


def test_maybe_is_not_a_boolean() -> None:
    with pytest.raises(ParseError):
        parse_bool("也许")


def test_text_is_tidied_but_chinese_punctuation_kept() -> None:
    assert normalise_text("  东湖花园（一期）\u3000Ａ栋  １２号\n") == "东湖花园（一期） A栋 12号"
    assert normalise_text(13800138000.0) == "13800138000"
    assert normalise_text(None) == ""
    assert normalise_text(dt.datetime(2022, 10, 10)) == "2022-10-10"


@pytest.mark.parametrize("text", ["138****8000", "073****2345", "１３８＊＊＊＊８０００"])
def test_a_phone_our_export_masked_is_recognised_as_masked(text: str) -> None:
    with pytest.raises(parsers.MaskedValue):
        parsers.parse_phone(text)
    with pytest.raises(parsers.ParseError) as other:
        parsers.parse_phone("138**8000")
    assert not isinstance(other.value, parsers.MaskedValue)
