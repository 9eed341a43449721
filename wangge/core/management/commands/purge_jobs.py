from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.imports.purge import jobs_purge


class Command(BaseCommand):
    help = (
        "Remove import and export jobs (with their files) older than --days "
        "(default WANGGE_JOB_KEEP_DAYS); running ones stay. The scheduler runs it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else settings.WANGGE_JOB_KEEP_DAYS
        if days < 0:
            raise CommandError("--days must be 0 or more")
        imports, exports = jobs_purge(older_than=dt.timedelta(days=days))
        self.stdout.write(f"removed {imports} import jobs and {exports} export jobs")
