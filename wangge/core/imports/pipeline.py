"""The one import run: read, parse and validate every row, report every error, then write
all valid rows (or, strict, nothing) in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext

from wangge.core.imports.cells import display, parser_for
from wangge.core.imports.parsers import MaskedValue, ParseError, is_blank
from wangge.core.imports.reader import Sheet, SheetError, header_key, open_sheet
from wangge.core.imports.spec import (
    Column,
    ImportContext,
    ImportSpec,
    RowDraft,
    WriteError,
    WriteItem,
    validation_messages,
)
from wangge.core.imports.workbooks import error_workbook, export_workbook, template_workbook

__all__ = [
    "ImportReport",
    "RowError",
    "error_workbook",
    "export_workbook",
    "run_import",
    "template_workbook",
]

log = logging.getLogger(__name__)

#: Rows to create or update shown in the preview.
PREVIEW_ROWS = 50
#: Share of the progress bar the validation takes when the run also writes.
_VALIDATE_SHARE = 0.8
#: Distinct texts of a column whose parsed values a run remembers. Parsers are pure, and
#: the columns that repeat (classes, owners, sites, dates, providers) are read once per
#: distinct text instead of once per row; a column of names stops remembering when full.
MEMO_CELLS = 5000
_MISS = object()

Progress = Callable[[float, str], None]


def _not_yours() -> str:
    """For a record the user sees but may not change (one they cannot see is "no such")."""
    return gettext("该记录不在您的权限范围内，不能修改")


def format_error(row: int, column: str, message: str) -> str:
    """ "第 12 行，联系电话：号码位数不对" — the one way an error is written for people."""
    if row and column:
        return gettext("第 %(row)s 行，%(column)s：%(message)s") % {
            "row": row,
            "column": column,
            "message": message,
        }
    if row:
        return gettext("第 %(row)s 行：%(message)s") % {"row": row, "message": message}
    return message


@dataclass
class RowError:
    """An error in one row (`row` is Excel's row number; 0 for the file as a whole)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return format_error(self.row, self.column, self.message)


@dataclass
class ImportReport:
    """What a run found or did. In a dry run the counts say what a commit would do."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    preview_headers: list[str] = field(default_factory=list)
    committed: bool = False
    #: Why a commit wrote nothing (strict mode with errors, a refused write), if it did not.
    failed: str = ""
    sheet: str = ""
    header_row: int = 0
    #: Column header (ours, as in errors) → its 0-based column in the file, for the error sheet.
    positions: dict[str, int] = field(default_factory=dict)
    unknown_headers: list[str] = field(default_factory=list)
    #: Columns the sheet holds that the system counts itself: not imported, and why.
    notes: list[str] = field(default_factory=list)
    #: The file as a whole could not be used (unreadable, too big, no header, a required
    #: column missing): its one message is in `errors`, and no row was read.
    file_error: bool = False

    def summary(self) -> dict[str, Any]:
        """The command line's `--json` answer."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [asdict(e) for e in self.errors],
            "notes": self.notes,
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        return cls(**data)

    def errors_by_row(self) -> dict[int, list[RowError]]:
        out: dict[int, list[RowError]] = {}
        for e in self.errors:
            out.setdefault(e.row, []).append(e)
        return out


def _read_source(source: bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    return source.read()


class _Run:
    """State of one run; `run_import` is its public face."""

    def __init__(self, spec: ImportSpec, user: Any, sheet: Sheet, report: ImportReport) -> None:
        self.spec, self.user, self.sheet, self.report = spec, user, sheet, report
        self.ctx = ImportContext(user=user, commit=False)
        self.present = [c for c in spec.columns if c.key in sheet.positions]
        #: (column, its cell's index, its parser, the values it read from texts so far)
        self.parsers: list[tuple[Column, int, Callable[[Any], Any], dict[Any, Any]]] = [
            (c, sheet.positions[c.key], parser_for(c), {}) for c in self.present
        ]
        self.items: list[WriteItem] = []
        self.seen: dict[tuple[Any, ...], int] = {}
        self.bad_rows: set[int] = set()

    def shown(self, key: str, *values: Any) -> list[str]:
        try:
            column = self.spec.column(key)
        except KeyError:
            return ["" if v is None else str(v) for v in values]
        return [display(column, v) for v in values]

    def error(self, row: int, key: str | None, message: str) -> None:
        self.report.errors.append(RowError(row, self.spec.header(key), message))
        self.bad_rows.add(row)

    def parse_row(
        self, number: int, cells: Sequence[Any]
    ) -> tuple[dict[str, Any], set[str], dict[str, str]]:
        values: dict[str, Any] = {}
        failed: set[str] = set()
        masked: dict[str, str] = {}
        width = len(cells)
        for column, index, parse, memo in self.parsers:
            raw = cells[index] if index < width else None
            text = type(raw) is str
            if text and (hit := memo.get(raw, _MISS)) is not _MISS:
                values[column.key] = hit
                continue
            if is_blank(raw):
                if column.required:
                    self.error(number, column.key, gettext("必填，不能为空"))
                    failed.add(column.key)
                continue
            try:
                value = values[column.key] = parse(raw)
            except MaskedValue as exc:
                masked[column.key] = exc.render(gettext)
            except ParseError as exc:
                self.error(number, column.key, exc.render(gettext))
                failed.add(column.key)
            else:
                if text and len(memo) < MEMO_CELLS:
                    memo[raw] = value
        return values, failed, masked

    def chunk(self, rows: list[tuple[int, tuple[Any, ...]]]) -> None:
        spec = self.spec
        drafts: list[tuple[RowDraft, set[str]]] = []
        keys = []
        for number, cells in rows:
            values, failed, masked = self.parse_row(number, cells)
            draft = RowDraft(row=number, values=values, masked=masked)
            key = spec.key_of(values)
            if key is not None:
                first = self.seen.setdefault(key, number)
                if first != number:
                    self.error(
                        number,
                        spec.natural_key[0],
                        gettext("与第 %(row)s 行重复") % {"row": first},
                    )
                    continue
                keys.append(key)
            drafts.append((draft, failed))
        existing = spec.find_existing(self.user, keys)
        allowed = spec.writable(self.user, list(existing.values()))
        denied = [o for o in existing.values() if o.pk not in allowed]
        seen = spec.visible(self.user, denied) if denied else set()
        ready = []
        for draft, failed in drafts:
            key = spec.key_of(draft.values)
            draft.existing = existing.get(key) if key is not None else None
            if draft.existing is not None and draft.existing.pk not in allowed:
                if draft.existing.pk not in seen:
                    # Worded as for a key nobody holds: the answer must not tell that it exists.
                    self.error(draft.row, spec.natural_key[0], spec.not_found_message())
                    continue
                draft.read_only = True
            if draft.existing is None:
                for column, message in draft.masked.items():
                    self.error(draft.row, column, message)
                    failed.add(column)
            ready.append((draft, failed))
        spec.prepare(self.user, [d for d, _f in ready], self.ctx)
        for draft, failed in ready:
            self.clean(draft, failed)

    def clean(self, draft: RowDraft, failed: set[str]) -> None:
        self.ctx.row, self.ctx.existing, self.ctx.failed = draft.row, draft.existing, failed
        cleaned, errors = self.spec.clean_row(self.user, draft.values, self.ctx)
        if draft.read_only and errors:
            self.error(draft.row, self.spec.natural_key[0], _not_yours())
            return
        for key, message in errors:
            if key not in failed:  # a cell that did not parse has said what is wrong with it
                self.error(draft.row, key, message)
        if draft.row in self.bad_rows:
            return
        changes: list[tuple[str, Any, Any]] = []
        if draft.existing is None:
            action = "create"
            changes = self.spec.diff_on_create(cleaned)
            self.report.created += 1
        else:
            changes = self.spec.diff(draft.existing, cleaned)
            if not changes:
                self.report.unchanged += 1
                return
            if draft.read_only:
                self.error(draft.row, self.spec.natural_key[0], _not_yours())
                return
            action = "update"
            self.report.updated += 1
        self.items.append(WriteItem(draft.row, cleaned, draft.existing, action))
        if len(self.report.preview) < PREVIEW_ROWS:
            self.report.preview.append(
                {
                    "row": draft.row,
                    "action": action,
                    "cells": [display(c, draft.values.get(c.key)) for c in self.present],
                    "changes": [[self.spec.header(k), *self.shown(k, a, b)] for k, a, b in changes],
                }
            )


def run_import(
    spec: ImportSpec,
    user: Any,
    source: bytes | IO[bytes],
    *,
    commit: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row of the file; with `commit`, write in one transaction.

    `user=None` is the system with full scope. Strict: any error and nothing is written.
    Otherwise all valid rows are written. A write the database refuses rolls back all.
    """
    if not spec.can_import(user):
        raise PermissionDenied
    report = ImportReport(kind=spec.kind)
    data = _read_source(source)
    try:
        sheet = open_sheet(data, spec.columns)
    except SheetError as exc:
        report.errors.append(RowError(0, "", gettext(exc.message) % exc.params))
        report.failed = report.errors[0].message if commit else ""
        report.file_error = True
        return report
    report.sheet, report.header_row = sheet.name, sheet.header_row
    # Keyed by our header, as errors are, whatever alias the file used for the column.
    report.positions = {spec.header(key): i for key, i in sheet.positions.items()}
    report.unknown_headers, report.notes = _derived(spec, sheet.unknown)
    missing = [c for c in spec.columns if c.required and c.key not in sheet.positions]
    if missing:
        sheet.close()
        for c in missing:
            report.errors.append(RowError(sheet.header_row, c.header, gettext("缺少这一必填列")))
        report.failed = gettext("文件缺少必填列") if commit else ""
        report.file_error = True
        return report
    run = _Run(spec, user, sheet, report)
    report.preview_headers = [c.header for c in run.present]
    share = _VALIDATE_SHARE if commit else 1.0
    total = max(sheet.estimated_rows, 1)
    batch: list[tuple[int, tuple[Any, ...]]] = []
    for number, cells in sheet.rows():
        batch.append((number, cells))
        report.rows += 1
        if len(batch) >= spec.chunk_size:
            run.chunk(batch)
            batch = []
            if progress:
                done = min(report.rows / total, 1.0)
                progress(done * share, gettext("已校验 %(n)s 行") % {"n": report.rows})
    if batch:
        run.chunk(batch)
    report.rejected = len(run.bad_rows)
    order = {c.header: i for i, c in enumerate(spec.columns)}
    report.errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
    if commit:
        _commit(run, strict=strict, progress=progress)
    if progress:
        progress(1.0, gettext("完成"))
    return report


def _derived(spec: ImportSpec, unknown: list[str]) -> tuple[list[str], list[str]]:
    """The unknown headers, less those naming a figure the system counts (`derived_headers`),
    which become notes saying where the figure comes from."""
    why = {header_key(h): reason for h, reason in spec.derived_headers.items()}
    rest, notes = [], []
    for text in unknown:
        reason = why.get(header_key(text))
        if reason is None:
            rest.append(text)
        else:
            notes.append(gettext("“%(header)s”列未导入：%(why)s") % {"header": text, "why": reason})
    return rest, notes


def _commit(run: _Run, *, strict: bool, progress: Progress | None) -> None:
    report = run.report
    if strict and run.bad_rows:
        report.created = report.updated = 0
        report.failed = gettext("严格模式：有 %(n)s 行错误，未写入任何数据") % {
            "n": report.rejected
        }
        return
    if progress:
        progress(_VALIDATE_SHARE, gettext("正在写入 %(n)s 行") % {"n": len(run.items)})
    run.ctx.commit = True
    try:
        with transaction.atomic():
            run.spec.save_many(run.user, run.items)
    except WriteError as exc:
        _refused(report, exc.row, exc.message)
    except ValidationError as exc:
        _refused(report, 0, "；".join(validation_messages(exc)))
    except DatabaseError as exc:
        log.exception("import of %s refused by the database", run.spec.kind)
        _refused(report, 0, gettext("数据库拒绝写入：%(error)s") % {"error": exc})
    else:
        report.committed = True


def _refused(report: ImportReport, row: int, message: str) -> None:
    report.errors.append(RowError(row, "", message))
    report.errors.sort(key=lambda e: e.row)
    report.rejected = len({e.row for e in report.errors if e.row})
    report.created = report.updated = 0
    report.failed = gettext("写入失败，已全部撤销：%(error)s") % {
        "error": format_error(row, "", message)
    }
