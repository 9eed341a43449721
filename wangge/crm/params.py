"""Reading a list page's query string, the same for the page and for its export.

Malformed values are ignored rather than refused: a filter link pasted with a typo shows
the unfiltered list, and an export of it exports what that page showed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def int_param(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name) or ""
    return int(raw) if raw.isdigit() and len(raw) < 18 else None


def choice_param(params: Mapping[str, str], name: str, choices: Any) -> str:
    value = params.get(name) or ""
    return value if value in choices.values else ""


def text_param(params: Mapping[str, str], name: str) -> str:
    return (params.get(name) or "").strip().replace("\x00", "")[:64]
