"""Reading the values people actually type into Excel. Pure Python: no Django here.

Each parser takes a raw cell value (str, int, float, datetime, date, bool or None) and returns
the clean value, or raises `ParseError`. Messages are Chinese msgids with `%(name)s`
placeholders, marked with the no-op `_` so `makemessages` collects them; the Django layer
translates them with `gettext(error.message) % error.params` (see `ParseError.render`).
Callers decide what blank means: the parsers are only called on non-blank cells.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any


def _(message: str) -> str:
    """Marks a msgid for extraction; translation happens where the message is shown."""
    return message


class ParseError(ValueError):
    """A value we cannot read. `message` is a msgid, `params` fill its placeholders."""

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params

    def render(self, translate: Callable[[str], str] = lambda s: s) -> str:
        text = translate(self.message)
        return text % self.params if self.params else text


class MaskedValue(ParseError):
    """A value our own export hid (138****8000): it says nothing new about the record, so
    on an update the pipeline keeps the current value; on a create it is an error."""


# --- text -------------------------------------------------------------------------------------

# Full-width digits and Latin letters (U+FF10… U+FF5A) map to ASCII by a fixed offset; the
# ideographic space is a space. Chinese punctuation in names and addresses is left alone.
_WIDE_ALNUM = {
    code: code - 0xFEE0
    for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}
_WIDE_ALNUM[0x3000] = 0x20
# For numbers and phones every full-width ASCII sign counts (，．－＋％（）), and 。 is a point.
_WIDE_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDE_ASCII.update({0x3000: 0x20, 0x3002: 0x2E})
_SPACES = re.compile(r"\s+")


def _number_text(value: float | int) -> str:
    """13800138000.0 → "13800138000": Excel stores typed numbers as floats."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: Whether a text needs `_WIDE_ALNUM` or the space fixes, and whether its spaces need
#: collapsing (two in a row, or one that is not a plain space): most cells need neither,
#: and a search is cheaper than the rewrites (every cell of a 100,000-row sheet goes here).
_WIDE_OR_ODD = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000\u00a0\u200b]")
_ODD_SPACES = re.compile(r"\s\s|[^\S ]")
_ANY_SPACE = re.compile(r"\s")


def normalise_text(value: Any) -> str:
    """Any cell as tidy text: full-width digits/letters to ASCII, spaces collapsed, stripped."""
    if type(value) is str:  # the usual cell, first
        text = value
        if _WIDE_OR_ODD.search(text):
            text = text.translate(_WIDE_ALNUM).replace("\u00a0", " ").replace("\u200b", "")
        if _ODD_SPACES.search(text):
            text = _SPACES.sub(" ", text)
        return text.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            return value.strftime("%Y-%m-%d %H:%M")
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).translate(_WIDE_ALNUM).replace("\u00a0", " ").replace("\u200b", "")
    return _SPACES.sub(" ", text).strip()


def is_blank(value: Any) -> bool:
    """None or only whitespace (str.strip knows the ideographic and no-break spaces)."""
    return value is None or (isinstance(value, str) and not value.replace("\u200b", "").strip())


def _ascii(value: Any) -> str:
    """Text for number parsing: every full-width sign to ASCII, no spaces at all."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return _SPACES.sub("", str(value).translate(_WIDE_ASCII).replace("\u00a0", ""))


def match_key(value: Any) -> str:
    """Loose key for comparing headers and choice labels: NFKC, no spaces, case-folded."""
    text = normalise_text(value)
    if not text.isascii():  # ASCII is its own NFKC form
        text = unicodedata.normalize("NFKC", text)
    return (_SPACES.sub("", text) if _ANY_SPACE.search(text) else text).casefold()


# --- phones -----------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes: 010 and 02x have three digits, every other starts 0 + three digits.
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})")
_PHONE_JUNK = re.compile(r"[\s\-()（）.·]")


#: What `wangge.core.phones.mask_phone` makes of a number: three digits, ****, four digits.
_MASKED_PHONE = re.compile(r"[\d-]{3}\*{4}\d{4}")


def parse_phone(value: Any) -> str:
    """A mobile as 11 digits ("13800138000"); a landline as "0739-2712345".

    Accepts spaces, dashes, brackets, a +86 / 0086 / 86 prefix, Excel's trailing ".0" and
    full-width digits.
    """
    if isinstance(value, bool):
        raise ParseError(_("不是有效的电话号码"))
    text = _ascii(value)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if re.search(r"[/,;、]", text) and len(re.findall(r"\d{7,}", text)) > 1:
        raise ParseError(_("一格只能填一个号码"))
    if _MASKED_PHONE.fullmatch(text):
        raise MaskedValue(_("号码已打码（导出时隐藏），新建时请填写完整号码"))
    has_plus = text.startswith("+")
    digits = _PHONE_JUNK.sub("", text.lstrip("+"))
    if not digits.isdigit():
        raise ParseError(_("不是有效的电话号码"))
    country = True
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and (has_plus or len(digits) == 13):
        digits = digits[2:]
    elif has_plus:
        raise ParseError(_("只接受中国大陆号码（+86）"))
    else:
        country = False
    if _MOBILE.fullmatch(digits):
        return digits
    # After +86 the trunk 0 of an area code is dropped: +86 739 2712345, +86 10 12345678.
    landline = _LANDLINE.fullmatch(
        digits if digits.startswith("0") or not country else "0" + digits
    )
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    if digits.startswith("0"):
        raise ParseError(_("固定电话位数不对（应为区号加 7 到 8 位号码）"))
    if digits.startswith("1") and len(digits) != 11:
        raise ParseError(_("号码位数不对（手机号应为 11 位）"))
    if digits.startswith("1"):
        raise ParseError(_("不是有效的手机号"))
    if 7 <= len(digits) <= 8:
        raise ParseError(_("固定电话请带区号，如 0739-2712345"))
    raise ParseError(_("不是有效的电话号码"))


# --- dates ------------------------------------------------------------------------------------

#: Excel's day 0 in the 1900 date system, as counted after its phantom 1900-02-29.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serials below 10000 (1927) are far likelier a year or a count typed by mistake than a date.
_MIN_SERIAL, _MAX_SERIAL = 10000, 2958465
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_YM = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME_TAIL = re.compile(r"[\sT]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _from_serial(serial: float) -> dt.date:
    if not _MIN_SERIAL <= serial <= _MAX_SERIAL:
        raise ParseError(_("日期格式无法识别，请填写如 2022-10-10"))
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _make_date(y: str, m: str, d: str) -> dt.date:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError as exc:
        raise ParseError(_("日期不存在：%(value)s"), value=f"{y}-{m}-{d}") from exc


def parse_date(value: Any) -> dt.date:
    """Dates as people write them: 2022-10-10, 2022/10/10, 2022.10.10, 2022年10月10日,
    20221010, Excel serial numbers (1900 system) and date cells. A month alone
    ("2019年6月", "2019-06") means its first day: surveys often give 交房时间 that way."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ParseError(_("日期格式无法识别，请填写如 2022-10-10"))
    if isinstance(value, int | float):
        text = _number_text(value)
        if _COMPACT.fullmatch(text) and text[:2] in {"19", "20"}:
            return _make_date(text[:4], text[4:6], text[6:])
        return _from_serial(float(value))
    text = _TIME_TAIL.sub("", normalise_text(value).translate(_WIDE_ASCII))
    for pattern in (_YMD, _COMPACT):
        m = pattern.fullmatch(text)
        if m:
            return _make_date(*m.groups())
    m = _YM.fullmatch(text)
    if m:
        return _make_date(m.group(1), m.group(2), "1")
    if re.fullmatch(r"\d{1,5}(\.\d+)?", text):
        return _from_serial(float(text))
    raise ParseError(_("日期格式无法识别，请填写如 2022-10-10"))


# --- numbers ----------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def parse_decimal(value: Any) -> Decimal:
    """A number as Decimal: full-width digits and thousands separators ("1,234.50") allowed."""
    if isinstance(value, bool):
        raise ParseError(_("应为数字"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr gives the shortest text that round-trips: 0.1 stays 0.1, not 0.1000000000000000055
        return Decimal(repr(value))
    text = _ascii(value)
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ParseError(_("应为数字"))
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards this
        raise ParseError(_("应为数字")) from exc


def parse_money(value: Any) -> Decimal:
    """An amount in yuan: "¥1,234.50", "1234.5元" → Decimal("1234.50")."""
    text = value if not isinstance(value, str) else re.sub(r"^[¥￥]|元$", "", value.strip())
    return parse_decimal(text).quantize(Decimal("0.01"))


# What surveys write around a count: 约50, 大约 50, 近50, 50余, 50多, 50左右, 50+, 50以上
# and a unit (20台, 300户, 12栋). The qualifier says the figure is approximate; the figure is
# still the best number there is, so it is read as that number (the seed's sheets are full
# of them). A range (20-30) or a word (若干, 不详) is not one number and stays an error.
_QUANTITY_PREFIX = re.compile(r"^(?:大约|大概|约计|约|近|~|≈)")
_QUANTITY_UNIT = (
    "户|台|人|个|套|间|栋|幢|座|家|所|口|部|位|名|条|根|处|张|只|层|单元|端口|端|路|公里|米"
)
_QUANTITY_SUFFIX = re.compile(
    rf"(?:余|多|来|左右|上下|以上|\+)?(?:{_QUANTITY_UNIT})?(?:左右|上下|以上)?$"
)
_QUANTITY_WAN = re.compile(r"^(.+?)万$")


def parse_quantity(value: Any) -> Decimal:
    """A counted quantity as people survey it: "300户", "约50", "50余", "50多台", "1,200",
    "1.2万户" (万 = 10,000), "２０台", besides every plain number `parse_decimal` reads.

    Qualifiers and units are dropped, not interpreted: "50余" reads 50, the number written.
    """
    if not isinstance(value, str):
        return parse_decimal(value)
    text = _ascii(value)
    core = _QUANTITY_SUFFIX.sub("", _QUANTITY_PREFIX.sub("", text), count=1)
    if m := _QUANTITY_WAN.fullmatch(core):
        return parse_decimal(m.group(1)) * 10_000
    return parse_decimal(core)


def parse_int(value: Any) -> int:
    """A whole number: 12, "12", "12.0", "1,200", "１２", and a quantity as surveyed
    ("300户", "约50", "50余台": `parse_quantity`)."""
    number = parse_quantity(value)
    if number != number.to_integral_value():
        raise ParseError(_("应为整数"))
    return int(number)


def parse_percent(value: Any) -> Decimal:
    """A share as a fraction 0–1: "85%", "85.5%", "85" and 0.85 all read as 0.85.

    Without a % sign a number above 1 is a percentage, so 1 itself is 100 %.
    """
    if isinstance(value, bool):
        raise ParseError(_("应为百分比，如 85% 或 0.85"))
    text = value if isinstance(value, int | float) else _ascii(value)
    has_sign = isinstance(text, str) and text.endswith("%")
    try:
        number = parse_decimal(text[:-1] if has_sign else text)  # type: ignore[index]
    except ParseError as exc:
        raise ParseError(_("应为百分比，如 85% 或 0.85")) from exc
    if has_sign or number > 1:
        number = number / 100
    if not 0 <= number <= 1:
        raise ParseError(_("百分比应在 0% 到 100% 之间"))
    return number.normalize() if number else Decimal(0)


# --- yes / no ---------------------------------------------------------------------------------

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有", "启用", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "✘", "错", "无", "停用", "f"}


def parse_bool(value: Any) -> bool:
    """是/否, Y/N, yes/no, true/false, 1/0, √/×."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = match_key(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ParseError(_("应填“是”或“否”"))
