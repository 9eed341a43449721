"""Reading a list page's query string: one helper for every app's pages, API lists and exports.

Malformed values are ignored rather than refused: a filter link pasted with a typo shows
the unfiltered list, and an export of it exports what that page showed. Every reading is
bounded, so no query string reaches the database as something it cannot hold: integers
outside the 64-bit range both SQLite and PostgreSQL store (`?grid=99999999999999999999`)
are ignored, text is cut to `TEXT_MAX` characters with NUL (which PostgreSQL refuses in
text) and other control characters removed, and a page number is a positive integer
whatever was sent (`?page=-1`, `?page=abc` give the first page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: The largest integer a SQLite INTEGER or a PostgreSQL bigint holds.
DB_INT_MAX = 2**63 - 1
#: Longer search text is cut: no filter of ours needs more, and LIKE over long text is slow.
TEXT_MAX = 64
#: Pages past this are not served (a bounded list is paged by filtering, not by page 10,000).
PAGE_MAX = 100_000

_DIGITS = re.compile(r"-?[0-9]{1,19}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _raw(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def int_param(
    params: Mapping[str, Any], name: str, *, minimum: int = 1, maximum: int = DB_INT_MAX
) -> int | None:
    """An integer (ASCII digits) in `minimum…maximum`, else None. Ids are positive, so the
    default minimum is 1."""
    raw = _raw(params, name)
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def page_param(params: Mapping[str, Any], name: str = "page") -> int:
    """A page number: 1 for anything that is not a positive integer; at most `PAGE_MAX`."""
    raw = _raw(params, name)
    if not _DIGITS.fullmatch(raw):
        return 1
    return min(max(int(raw), 1), PAGE_MAX)


def choice_param(params: Mapping[str, Any], name: str, choices: Any) -> str:
    """A value among `choices` (a Django choices class, or any iterable of values), else ""."""
    value = _raw(params, name)
    allowed: Iterable[Any] = getattr(choices, "values", choices)
    return value if value and value in {str(v) for v in allowed} else ""


def text_param(params: Mapping[str, Any], name: str, *, max_length: int = TEXT_MAX) -> str:
    """Free text (a search): control characters removed, at most `max_length` characters."""
    value = params.get(name)
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value).strip()[:max_length].strip()


def flag_param(params: Mapping[str, Any], name: str) -> bool:
    """A check-box filter: on only for `1`."""
    return _raw(params, name) == "1"
