from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wangge.core import schedule


class Command(BaseCommand):
    help = (
        "Queue scheduled jobs when they fall due (daily and monthly rules); the task worker "
        "(`wangge db_worker`) runs them. --once checks once and exits (for cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between checks")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        while True:
            for name in schedule.tick():
                self.stdout.write(f"queued {name}")
            if options["once"] or stop.wait(options["interval"]):
                return
