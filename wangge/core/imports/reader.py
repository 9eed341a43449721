"""Reading a real-world sheet: find the header under any title rows, fill merged cells,
skip blank rows, and keep Excel's row numbers for the messages.

Before anything is parsed, `inspect` unpacks the archive as a stream (no XML parser) and
refuses what would be too much to read: more unpacked bytes than the limit (an Excel bomb:
a few hundred KB that expand to hundreds of MB of shared strings), more cells than the limit.
It also counts each sheet's rows as they really are, not as the sheet's <dimension> claims,
so the choice to run a file in the background is made on what is there.

The cells are then read by calamine (Rust: about ten times openpyxl's speed), which also
reports merged ranges; openpyxl's read-only mode is the fallback for a file calamine cannot
open (merges are then read from the sheet's XML, where they follow the cell data). One code
path serves a 20-row survey with merged cells and a 100,000-row export alike.

Limits (settings, with these defaults): `WANGGE_IMPORT_MAX_UNPACKED_MB` (200),
`WANGGE_IMPORT_MAX_CELLS` (3,000,000), `WANGGE_IMPORT_MAX_CELL_CHARS` (10,000).
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from wangge.core.imports.parsers import _, is_blank, match_key
from wangge.core.imports.spec import Column

#: The header must be within the first rows; below that a sheet is data, not titles.
HEADER_SCAN_ROWS = 20
_HINT = re.compile(r"[*＊]|[(（][^)）]*[)）]$")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_ROOT = re.compile(rb"<(\w+:)?worksheet[\s>]")
#: The one message for a file that is not a readable .xlsx, wherever it is found out.
UNREADABLE = _("文件无法读取，请上传 Excel（.xlsx）文件")


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
    _close: Any = None

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
        if self._close is not None:
            self._close()
            self._close = None


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
    rows: Iterator[tuple[int, tuple[Any, ...]]], merges: list[tuple[int, int, int, int]]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Give every cell of a merged range its top-left value."""
    pending = list(merges)
    active: list[tuple[tuple[int, int, int, int], Any]] = []
    for number, raw in rows:
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


# --- limits and inspection --------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    unpacked_bytes: int
    cells: int
    cell_chars: int


def limits() -> Limits:
    return Limits(
        unpacked_bytes=int(getattr(settings, "WANGGE_IMPORT_MAX_UNPACKED_MB", 200) * 1024 * 1024),
        cells=int(getattr(settings, "WANGGE_IMPORT_MAX_CELLS", 3_000_000)),
        cell_chars=int(getattr(settings, "WANGGE_IMPORT_MAX_CELL_CHARS", 10_000)),
    )


@dataclass
class Contents:
    """What an archive really holds, counted while unpacking it: rows per worksheet."""

    rows: dict[str, int] = field(default_factory=dict)
    cells: int = 0
    unpacked: int = 0

    @property
    def largest_rows(self) -> int:
        return max(self.rows.values(), default=0)


_LOCAL_HEADER = struct.Struct("<4s22xHH")


def _member_chunks(data: bytes, info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The member's bytes as its compressed data really unpacks, whatever sizes the archive
    declares (a bomb may understate them), never more than `budget` bytes."""
    magic, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    if magic != b"PK\x03\x04":
        raise zipfile.BadZipFile(info.filename)
    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) > budget:
            raise _TooBig
        yield bytes(raw)
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise zipfile.BadZipFile(info.filename)
    unpack = zlib.decompressobj(-zlib.MAX_WBITS)
    step = 1 << 20
    for offset in range(0, len(raw), step):
        pending = bytes(raw[offset : offset + step])
        while pending:
            out = unpack.decompress(pending, step)
            budget -= len(out)
            if budget < 0:
                raise _TooBig
            yield out
            pending = unpack.unconsumed_tail
    tail = unpack.flush()
    if len(tail) > budget:
        raise _TooBig
    yield tail


class _TooBig(Exception):
    pass


def _count_sheet(chunks: Iterator[bytes]) -> tuple[int, int]:
    """(rows, cells) of a worksheet's XML, by counting tags in the stream (no parser)."""
    rows = cells = 0
    prefix: bytes | None = None
    carry = b""
    for chunk in chunks:
        buf = carry + chunk
        cut = buf.rfind(b"<")
        buf, carry = (buf[:cut], buf[cut:]) if cut >= 0 else (buf, b"")
        if prefix is None:
            root = _ROOT.search(buf)
            if root is None:
                carry = buf + carry
                if len(carry) > 1 << 16:
                    prefix = b""  # no worksheet root: count plain tags
                continue
            prefix = root.group(1) or b""
        rows += buf.count(b"<" + prefix + b"row ") + buf.count(b"<" + prefix + b"row>")
        cells += buf.count(b"<" + prefix + b"c ") + buf.count(b"<" + prefix + b"c>")
    return rows, cells


def inspect(data: bytes) -> Contents:
    """Refuse, before any XML is parsed, a file that is not an .xlsx or that unpacks into
    more than the limits; count each worksheet's real rows and the cells."""
    limit = limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SheetError(UNREADABLE) from exc
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SheetError(UNREADABLE)
    contents = Contents()
    try:
        for info in infos:
            budget = limit.unpacked_bytes - contents.unpacked
            chunks = _member_chunks(data, info, budget)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                counter = _Counting(chunks)
                rows, cells = _count_sheet(iter(counter))
                contents.rows[info.filename] = rows
                contents.cells += cells
                contents.unpacked += counter.size
            else:
                contents.unpacked += sum(len(c) for c in chunks)
            if contents.cells > limit.cells:
                raise SheetError(
                    _("表格太大：超过 %(limit)s 个单元格，请分成几个文件导入"),
                    limit=f"{limit.cells:,}",
                )
    except _TooBig:
        raise SheetError(
            _("文件解压后超过 %(limit)s MB，无法读取（可能是异常构造的文件）；请分成几个文件导入"),
            limit=limit.unpacked_bytes // (1024 * 1024),
        ) from None
    except (zipfile.BadZipFile, zlib.error, struct.error, IndexError) as exc:
        raise SheetError(UNREADABLE) from exc
    return contents


class _Counting:
    """Passes chunks through, adding up their size."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.size = chunks, 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.size += len(chunk)
            yield chunk


def estimate_rows(data: bytes) -> int:
    """Data rows of the file's largest sheet, counted in its XML (not its <dimension>), for
    choosing to run a file in the background. 0 for a file that cannot be read."""
    try:
        return inspect(data).largest_rows
    except SheetError:
        return 0


# --- reading cells ----------------------------------------------------------------------------

Rows = Iterator[tuple[int, tuple[Any, ...]]]
_INT_FLOATS = float(2**53)


def _typed_row(raw: Sequence[Any], max_chars: int) -> tuple[Any, ...]:
    """calamine's cells as openpyxl gives them: blanks None, whole numbers int."""
    out = []
    for v in raw:
        if v == "":
            v = None
        elif type(v) is float:
            if v.is_integer() and -_INT_FLOATS < v < _INT_FLOATS:
                v = int(v)
        elif type(v) is str and len(v) > max_chars:
            raise SheetError(
                _("有单元格超过 %(limit)s 个字，无法导入（请检查文件）"), limit=f"{max_chars:,}"
            )
        out.append(v)
    return tuple(out)


@dataclass
class _Source:
    """One worksheet's cells, numbered as Excel numbers rows, and its merged ranges
    as (min_col, min_row, max_col, max_row)."""

    title: str
    rows: Rows
    merges: list[tuple[int, int, int, int]]
    close: Any = None


def _calamine_sources(data: bytes) -> Iterator[_Source]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    max_chars = limits().cell_chars
    kinds = {m.name: str(m.typ).lower() for m in book.sheets_metadata}
    for name in book.sheet_names:
        if "chart" in kinds.get(name, ""):
            continue
        sheet = book.get_sheet_by_name(name)
        merges = sorted(
            (c0 + 1, r0 + 1, c1 + 1, r1 + 1)
            for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ()
        )
        merges.sort(key=lambda r: (r[1], r[0]))
        values = sheet.to_python(skip_empty_area=False)
        rows = [_typed_row(r, max_chars) for r in values]
        yield _Source(name, enumerate(rows, start=1), merges)


def _openpyxl_sources(data: bytes) -> Iterator[_Source]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for non-xlsx input
        raise SheetError(UNREADABLE) from exc
    max_chars = limits().cell_chars
    for ws in wb.worksheets:
        if not hasattr(ws, "iter_rows"):
            continue  # chart sheets
        ws.reset_dimensions()  # some writers store a wrong <dimension>; read every cell
        merges = _merged_ranges(wb._archive, ws._worksheet_path)
        rows = (
            (n, _typed_row(r, max_chars))
            for n, r in enumerate(ws.iter_rows(values_only=True), start=1)
        )
        yield _Source(ws.title, rows, merges, close=wb.close)
    wb.close()


def _sources(data: bytes) -> Iterator[_Source]:
    """Every worksheet, read by calamine, or by openpyxl if calamine cannot read the file."""
    try:
        sources = list(_calamine_sources(data))
    except SheetError:
        raise
    except Exception:  # calamine raises its own error types for files it cannot read
        yield from _openpyxl_sources(data)
        return
    yield from sources


def sheet_rows(data: bytes, title: str) -> tuple[str, Rows]:
    """The cells of the sheet named `title` (or the first), as Excel numbers the rows."""
    sources = list(_sources(data))
    if not sources:
        raise SheetError(UNREADABLE)
    chosen = next((s for s in sources if s.title == title), sources[0])
    return chosen.title, chosen.rows


def open_sheet(data: bytes, columns: Sequence[Column]) -> Sheet:
    """The first sheet with a recognisable header, positioned at its first data row."""
    contents = inspect(data)
    index = header_index(columns)
    need = min(2, len(columns))
    for source in _sources(data):
        rows = _filled(source.rows, source.merges)
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
                if source.close is not None:
                    source.close()
                raise SheetError(_("列“%(header)s”出现了两次"), header=text)
            else:
                positions[key] = i
        return Sheet(
            name=source.title,
            header_row=number,
            positions=positions,
            headers=headers,
            unknown=unknown,
            estimated_rows=max(contents.largest_rows - number, 0),
            _rows=rows,
            _close=source.close,
        )
    expected = "、".join(c.header for c in columns[:6])
    raise SheetError(
        _("找不到表头：前 %(n)s 行中没有与模板一致的列名（如 %(expected)s）"),
        n=HEADER_SCAN_ROWS,
        expected=expected,
    )
