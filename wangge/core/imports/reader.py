"""Reading a real-world sheet: find the header under any title rows, fill merged cells,
skip blank rows, and keep Excel's row numbers for the messages.

openpyxl's read-only mode streams any size of file but does not report merged cells, so
the merge ranges are read from the sheet's XML directly (they follow the cell data). One
code path then serves a 20-row survey with merged cells and a 100,000-row export alike.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from wangge.core.imports.parsers import _, is_blank, match_key
from wangge.core.imports.spec import Column

#: The header must be within the first rows; below that a sheet is data, not titles.
HEADER_SCAN_ROWS = 20
_HINT = re.compile(r"[*＊]|[(（][^)）]*[)）]$")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


class SheetError(Exception):
    """The file as a whole cannot be read (not an .xlsx, no header found …)."""

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def header_key(text: Any) -> str:
    """How a header cell is compared: loose, without required marks or unit hints
    ("小区名称*", "入住率（%）")."""
    return match_key(_HINT.sub("", str(text or "")))


def header_index(columns: Sequence[Column]) -> dict[str, str]:
    index: dict[str, str] = {}
    for c in columns:
        for name in (c.header, *c.aliases):
            index.setdefault(header_key(name), c.key)
    return index


@dataclass
class Sheet:
    """A sheet ready to read. `positions` maps column keys to 0-based cell indexes."""

    name: str
    header_row: int
    positions: dict[str, int]
    headers: list[str]
    unknown: list[str] = field(default_factory=list)
    estimated_rows: int = 0
    _rows: Iterator[tuple[int, tuple[Any, ...]]] | None = None
    _workbook: Any = None

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(Excel row number, cell values) for each non-blank row below the header."""
        assert self._rows is not None
        try:
            for number, cells in self._rows:
                if any(not is_blank(v) for v in cells):
                    yield number, cells
        finally:
            self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merge, streamed from the sheet XML."""
    ranges = []
    tail = b""
    with archive.open(path) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            if b"mergeCell" in buf:
                for m in _MERGE.finditer(buf):
                    ref = m.group(1).decode()
                    if ":" in ref:
                        ranges.append(range_boundaries(ref))
            tail = buf[-200:]  # a tag cut by the chunk boundary; repeats are deduplicated
    return sorted(set(ranges), key=lambda r: (r[1], r[0]))


def _filled(
    rows: Iterator[Sequence[Any]], merges: list[tuple[int, int, int, int]]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Number the rows and give every cell of a merged range its top-left value."""
    pending = list(merges)
    active: list[tuple[tuple[int, int, int, int], Any]] = []
    for number, raw in enumerate(rows, start=1):
        if not pending and not active:
            yield number, tuple(raw)
            continue
        cells = list(raw)
        while pending and pending[0][1] == number:
            rng = pending.pop(0)
            top_left = cells[rng[0] - 1] if rng[0] - 1 < len(cells) else None
            active.append((rng, top_left))
        for (min_col, _min_row, max_col, _max_row), value in active:
            if len(cells) < max_col:
                cells.extend([None] * (max_col - len(cells)))
            for col in range(min_col - 1, max_col):
                if cells[col] is None:
                    cells[col] = value
        active = [(r, v) for r, v in active if r[3] > number]
        while pending and pending[0][1] < number:
            pending.pop(0)  # a merge that starts in a row openpyxl skipped: nothing to copy
        yield number, tuple(cells)


def _hits(cells: tuple[Any, ...], index: dict[str, str], need: int) -> int:
    """Known columns in a row, or 0 unless they are at least half its distinct texts."""
    texts = {header_key(c) for c in cells if not is_blank(c)}
    hits = {index[k] for k in texts if k in index}
    return len(hits) if len(hits) >= need and len(hits) * 2 >= len(texts) else 0


def _find_header(
    rows: Iterator[tuple[int, tuple[Any, ...]]], index: dict[str, str], need: int
) -> tuple[int, tuple[Any, ...], Iterator[tuple[int, tuple[Any, ...]]]] | None:
    """The header row and the rows after it. A row that matches better right below the
    first match wins: two-row headers put a merged group ("入住情况") above the columns."""
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            return None
        hits = _hits(cells, index, need)
        if not hits:
            continue
        following = next(rows, None)
        if following is None:
            return number, cells, iter(())
        if _hits(following[1], index, need) > hits:
            return following[0], following[1], rows
        return number, cells, itertools.chain([following], rows)
    return None


def open_sheet(data: bytes, columns: Sequence[Column]) -> Sheet:
    """The first sheet with a recognisable header, positioned at its first data row."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for non-xlsx input
        raise SheetError(_("文件无法读取，请上传 Excel（.xlsx）文件")) from exc
    index = header_index(columns)
    need = min(2, len(columns))
    for ws in wb.worksheets:
        if not hasattr(ws, "iter_rows"):
            continue  # chart sheets
        estimated = ws.max_row or 0
        ws.reset_dimensions()  # some writers store a wrong <dimension>; read every cell
        merges = _merged_ranges(wb._archive, ws._worksheet_path)
        rows = _filled(ws.iter_rows(values_only=True), merges)
        found = _find_header(rows, index, need)
        if found is None:
            continue
        number, cells, rows = found
        positions: dict[str, int] = {}
        unknown: list[str] = []
        seconds = {c.second_of: c.key for c in columns if c.second_of}
        headers = ["" if is_blank(c) else str(c).strip() for c in cells]
        for i, text in enumerate(headers):
            if not text:
                continue
            key = index.get(header_key(text))
            if key is not None and key in positions:
                second = seconds.get(key)
                if second is not None and second not in positions:
                    key = second  # the header's second occurrence is a column of its own
            if key is None:
                unknown.append(text)
            elif key in positions:
                wb.close()
                raise SheetError(_("列“%(header)s”出现了两次"), header=text)
            else:
                positions[key] = i
        return Sheet(
            name=ws.title,
            header_row=number,
            positions=positions,
            headers=headers,
            unknown=unknown,
            estimated_rows=max(estimated - number, 0),
            _rows=rows,
            _workbook=wb,
        )
    wb.close()
    expected = "、".join(c.header for c in columns[:6])
    raise SheetError(
        _("找不到表头：前 %(n)s 行中没有与模板一致的列名（如 %(expected)s）"),
        n=HEADER_SCAN_ROWS,
        expected=expected,
    )


def estimate_rows(data: bytes) -> int:
    """Data rows of the first sheet as its <dimension> claims: cheap, for choosing to run a
    file in the background. Falls back on size (about 60 bytes a row compressed)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        try:
            rows = wb.worksheets[0].max_row
        finally:
            wb.close()
    except Exception:
        return len(data) // 60
    return rows if rows else len(data) // 60
