"""`wangge kpis [--grid CODE] [--on DATE] [--json]`: the three headline figures, each
measure with its numerator and denominator, for the county or one grid, computed afresh
as of a day (default today), whatever the snapshots hold. `--snapshot` stores the day's
snapshot too (what the nightly job does for yesterday)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.insights import figures, services
from wangge.org.models import Grid


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"--on: not a date (YYYY-MM-DD): {raw!r}") from exc


def as_json(results: figures.Results, grid_id: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"on": results.on.isoformat(), "figures": []}
    for figure in figures.FIGURES:
        measures = []
        for m in figure.measures:
            r = results.county(m.key) if grid_id is None else results.grid(m.key, grid_id)
            measures.append(
                {
                    "key": m.key,
                    "label": str(m.label),
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                    "value": None if r.value is None else round(r.value, 4),
                }
            )
        out["figures"].append({"key": figure.key, "label": str(figure.label), "measures": measures})
    return out


class Command(BaseCommand):
    help = (
        "The headline figures (区域全覆盖、客户全触及、市场全掌握) with numerator and denominator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grid", help="Only this grid (its code); default the county.")
        parser.add_argument("--on", help="As of this date (YYYY-MM-DD); default today.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument(
            "--snapshot", action="store_true", help="Also store the day's snapshot."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = _date(options["on"]) if options.get("on") else clock.today()
        grid = None
        if options.get("grid"):
            grid = Grid.objects.filter(code=options["grid"]).first()
            if grid is None:
                raise CommandError(f"--grid: no grid with the code {options['grid']!r}")
        results = figures.compute(on)
        if options["snapshot"]:
            services.snapshots_store(actor=SYSTEM, results=[results])
        data = as_json(results, grid.pk if grid else None)
        data["grid"] = grid.code if grid else None
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(f"{data['on']} {grid.code + ' ' + grid.name if grid else '全县'}")
        for f in data["figures"]:
            self.stdout.write(f["label"])
            for m in f["measures"]:
                value = "—" if m["value"] is None else f"{100 * m['value']:.1f}%"
                self.stdout.write(f"  {m['label']}: {value} ({m['numerator']}/{m['denominator']})")
