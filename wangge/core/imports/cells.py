"""Turning one cell into a typed value according to its column, with Chinese messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import translation

from wangge.core.imports import parsers
from wangge.core.imports.parsers import ParseError, _
from wangge.core.imports.spec import Column

Parser = Callable[[Any], Any]


def choice_index(column: Column) -> dict[str, Any]:
    """Every way a choice may be written: its value, its Chinese label, its current label."""
    index: dict[str, Any] = {}
    for value, label in column.choices or ():
        index.setdefault(parsers.match_key(value), value)
        with translation.override("zh-hans"):
            index.setdefault(parsers.match_key(str(label)), value)
        index.setdefault(parsers.match_key(str(label)), value)
    return index


def choice_labels(column: Column) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in column.choices or ()]


def _ranged(column: Column, number: Any) -> Any:
    if column.min_value is not None and number < column.min_value:
        raise ParseError(_("不能小于 %(limit)s"), limit=column.min_value)
    if column.max_value is not None and number > column.max_value:
        raise ParseError(_("不能大于 %(limit)s"), limit=column.max_value)
    return number


def _rounded(column: Column, number: Decimal) -> Decimal:
    if column.decimal_places is None:
        return number
    return number.quantize(Decimal(1).scaleb(-column.decimal_places), rounding=ROUND_HALF_UP)


def parser_for(column: Column) -> Parser:
    """A function from raw cell to value for this column; raises `ParseError`."""
    kind = column.kind
    if kind in ("text", "ref"):
        limit = column.max_length

        def text(raw: Any) -> str:
            value = parsers.normalise_text(raw)
            if limit is not None and len(value) > limit:
                raise ParseError(_("最多 %(limit)s 个字，现有 %(n)s 个"), limit=limit, n=len(value))
            return value

        return text
    if kind == "int":
        return lambda raw: _ranged(column, parsers.parse_int(raw))
    if kind == "decimal":
        return lambda raw: _ranged(column, _rounded(column, parsers.parse_decimal(raw)))
    if kind == "money":
        return lambda raw: _ranged(column, parsers.parse_money(raw))
    if kind == "percent":
        return lambda raw: _rounded(column, parsers.parse_percent(raw))
    if kind == "choice":
        index = choice_index(column)
        shown = "、".join(choice_labels(column))

        def choice(raw: Any) -> Any:
            key = parsers.match_key(raw)
            if key not in index:
                raise ParseError(_("不是可选的值（可选：%(choices)s）"), choices=shown)
            return index[key]

        return choice
    simple: dict[str, Parser] = {
        "phone": parsers.parse_phone,
        "date": parsers.parse_date,
        "bool": parsers.parse_bool,
    }
    return simple[kind]


def display(column: Column, value: Any) -> str:
    """A parsed value as the preview shows it: what will be stored, in the file's terms."""
    if value is None or value == "":
        return ""
    if column.kind == "percent":
        return f"{(parsers.parse_decimal(value) * 100).normalize():f}%"
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "choice":
        with translation.override("zh-hans"):
            return str(dict(column.choices or ()).get(value, value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if column.kind == "decimal" and isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 111.705000 (rounded to 6 places) shows as 111.705
    return str(value)


def format_hint(column: Column) -> str:
    """The template's description of what a column accepts (translated)."""
    from django.utils.translation import gettext

    hints = {
        "text": gettext("文本"),
        "ref": gettext("文本"),
        "phone": gettext("手机号 11 位，或带区号的固定电话，如 0739-2712345"),
        "date": gettext("日期，如 2022-10-10、2022/10/10 或 2022年10月10日"),
        "int": gettext("整数"),
        "decimal": gettext("数字"),
        "money": gettext("金额（元），如 1,234.50"),
        "percent": gettext("百分比，如 85% 或 0.85"),
        "bool": gettext("是 / 否"),
        "choice": gettext("可选：%(choices)s") % {"choices": "、".join(choice_labels(column))},
    }
    parts = [hints[column.kind]]
    if column.max_length and column.kind in ("text", "ref"):
        parts.append(gettext("最多 %(n)s 字") % {"n": column.max_length})
    if column.help:
        parts.append(str(column.help))
    return gettext("；").join(parts)
