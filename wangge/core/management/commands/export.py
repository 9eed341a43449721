from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.access import is_person
from wangge.core.imports.pipeline import export_workbook
from wangge.core.management.commands._importing import USAGE, spec_for, user_for
from wangge.core.models import ExportLog


class Command(BaseCommand):
    help = (
        "Export every KIND record the user may see to OUT.xlsx, with the template's headers. "
        "Logged like every export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind")
        parser.add_argument("out", type=Path)
        parser.add_argument("--as", dest="username", help="apply this user's scope")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a list-page filter, e.g. q=东湖 or grid=3 (repeatable)",
        )

    def handle(self, *args: Any, kind: str, out: Path, **options: Any) -> None:
        spec = spec_for(kind)
        user = user_for(options["username"])
        if not spec.can_export(user):
            raise CommandError(f"{options['username']} may not export {kind}.", returncode=USAGE)
        params = {}
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter wants KEY=VALUE, got {item!r}", returncode=USAGE)
            params[key] = value
        queryset, filters = spec.filter_queryset(user, params)
        out.write_bytes(export_workbook(spec, user, queryset, filters))
        log = ExportLog.objects.filter(kind=kind, user=user if is_person(user) else None).first()
        rows = log.rows if log else 0
        self.stdout.write(f"{out}: {rows} rows")
