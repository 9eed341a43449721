"""Building real .xlsx files in tests, the way people's sheets look."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook


def xlsx(
    rows: Iterable[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    title: str = "Sheet1",
    before: Sequence[Sequence[Any]] = (),
    formats: dict[str, str] | None = None,
) -> bytes:
    """A one-sheet workbook: `before` rows (titles) first, then `rows`; `merges` as "A1:D1"."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in [*before, *rows]:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(data: bytes, sheet: int = 0) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(data))
    return [tuple(r) for r in wb.worksheets[sheet].iter_rows(values_only=True)]


def workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))
