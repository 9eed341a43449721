"""`wangge care due [--on DATE] [--grid CODE] [--json]`: care due or overdue, as of a day.

`--on` evaluates the rules afresh as of that date (the contacts made up to its end count)
without touching the stored care items; `wangge care refresh` recomputes those (the
nightly job does the same).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core import clock
from wangge.org.models import Grid
from wangge.retention import engine


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"--on: not a date (YYYY-MM-DD): {raw!r}") from exc


class Command(BaseCommand):
    help = "Customer care (客户维系): what is due, or recompute the stored care items."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="Care due or overdue as of a day.")
        due.add_argument("--on", help="Evaluate as of this date (YYYY-MM-DD); default today.")
        due.add_argument("--grid", help="Only this grid (its code).")
        due.add_argument("--json", action="store_true", help="Print JSON.")
        sub.add_parser("refresh", help="Recompute the stored care items now.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "refresh":
            written = engine.refresh()
            self.stdout.write(f"{written} care items")
            return
        on = _date(options["on"]) if options.get("on") else clock.today()
        grid_id = None
        if options.get("grid"):
            grid = Grid.objects.filter(code=options["grid"]).first()
            if grid is None:
                raise CommandError(f"--grid: no grid with the code {options['grid']!r}")
            grid_id = grid.pk
        rows = engine.due_rows(as_of=on, grid_id=grid_id)
        if options["json"]:
            self.stdout.write(json.dumps([r.as_json() for r in rows], ensure_ascii=False))
            return
        for r in rows:
            late = f"+{r.overdue_days}" if r.overdue_days else ""
            self.stdout.write(f"{r.due_on} {late:>5} {r.customer} {r.owner} {r.rule}")
