"""`wangge import KIND FILE.xlsx`: a dry run unless --commit; every error reported.

Exit status: 0 every row valid (and written with --commit); 1 some rows rejected or the
write refused (with --commit and not --strict the valid rows were still written);
2 the command was used wrongly (unknown kind or user, missing file, no right to import).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.core.imports.pipeline import ImportReport, error_workbook, run_import
from wangge.core.management.commands._importing import USAGE, spec_for, user_for

REJECTED = 1


class Command(BaseCommand):
    help = "Validate an Excel file of KIND and, with --commit, import it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind")
        parser.add_argument("file", type=Path)
        parser.add_argument("--commit", action="store_true", help="write (default: dry run)")
        parser.add_argument(
            "--strict", action="store_true", help="with --commit: write nothing if any row fails"
        )
        parser.add_argument("--errors", type=Path, help="write the sheet with an error column here")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--as", dest="username", help="apply this user's scope")

    def handle(self, *args: Any, kind: str, file: Path, **options: Any) -> None:
        spec = spec_for(kind)
        user = user_for(options["username"])
        if not spec.can_import(user):
            raise CommandError(f"{options['username']} may not import {kind}.", returncode=USAGE)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}", returncode=USAGE) from exc
        report = run_import(spec, user, data, commit=options["commit"], strict=options["strict"])
        if options["errors"] and report.errors:
            options["errors"].write_bytes(error_workbook(data, report))
        if options["json"]:
            self.stdout.write(json.dumps(report.summary(), ensure_ascii=False))
        else:
            self._print(report, commit=options["commit"])
        if report.errors:
            raise CommandError(
                _("%(n)s 行有错误") % {"n": report.rejected or len(report.errors)},
                returncode=REJECTED,
            )

    def _print(self, report: ImportReport, *, commit: bool) -> None:
        for error in report.errors:
            self.stdout.write(str(error))
        for note in report.notes:
            self.stdout.write(note)
        verb = _("已导入") if commit and report.committed else _("校验（未写入）")
        self.stdout.write(
            _(
                "%(verb)s：共 %(rows)s 行，新建 %(created)s，更新 %(updated)s，"
                "无变化 %(unchanged)s，有错误 %(rejected)s"
            )
            % {
                "verb": verb,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
            }
        )
        if report.failed:
            self.stderr.write(report.failed)
