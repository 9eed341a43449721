"""`wangge settle YYYY-MM [--commit] [--json]`: settle a month's commission.

Without `--commit` a dry run: the figures are computed and printed, nothing is written.
With it the month's statements are replaced (refused for a locked month), acting as SYSTEM.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.access import SYSTEM
from wangge.performance import selectors_settle, services_settle


class Command(BaseCommand):
    help = "Settle a month's commission (dry run unless --commit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period", help="The month, YYYY-MM.")
        parser.add_argument("--commit", action="store_true", help="Write the statements.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        period = options["period"]
        if selectors_settle.parse_period(period) is None:
            raise CommandError(f"not a month (YYYY-MM): {period!r}")
        try:
            if options["commit"]:
                outcome = services_settle.settle_now(actor=SYSTEM, period=period)
            else:
                outcome = services_settle.compute(period)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        data = services_settle.report(outcome)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for s in data["statements"]:
            self.stdout.write(f"{s['staff']:<12} {s['total']:>12}  {len(s['lines'])} lines")
        mode = "written" if options["commit"] else "dry run, nothing written"
        self.stdout.write(
            f"{data['period']}: {data['people']} people, total {data['total']}, "
            f"{data['capped_lines']} capped lines ({mode})"
        )
