"""`wangge potential [--grid CODE] [--json] [--store]`: each estate's forecast customers,
ranked by untapped potential, with the factors that make it (the model:
`wangge.insights.potential`) and the model's error on held-out estates beside the naive
baseline. Computed afresh on demand; `--store` also makes it the run the pages read (what
the nightly job `insights_potential` does)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.access import SYSTEM
from wangge.insights import potential, services_potential
from wangge.insights import selectors_potential as sel
from wangge.org.models import Grid
from wangge.territory.models import Site


class Command(BaseCommand):
    help = "Market potential per estate: forecast customers, untapped potential, factors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grid", help="Only this grid's estates (its code).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--limit", type=int, default=50, help="Rows printed (default 50).")
        parser.add_argument(
            "--store", action="store_true", help="Store it as the run the pages read."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        grid_id = None
        if options.get("grid"):
            grid = Grid.objects.filter(code=options["grid"]).first()
            if grid is None:
                raise CommandError(f"--grid: no grid with the code {options['grid']!r}")
            grid_id = grid.pk
        # The model learns from the whole county; --grid only narrows what is printed.
        computed = sel.compute()
        model, evaluation = computed.model, computed.evaluation
        if options["store"]:
            services_potential.potential_store(actor=SYSTEM, computed=computed)
        ids = _ids(grid_id) if grid_id is not None else None
        shown = [f for f in computed.forecasts if ids is None or f.estate.id in ids]
        ranked = shown[: max(options["limit"], 0)]
        if options["json"]:
            self.stdout.write(json.dumps(_as_json(ranked, model, evaluation), ensure_ascii=False))
            return
        self.stdout.write(
            f"fitted on {model.fitted_on} estates; held-out MAE of penetration "
            f"{evaluation.model_mae:.3f} (baseline, grid average: {evaluation.baseline_mae:.3f})"
        )
        for f in ranked:
            why = "; ".join(f"{label} {c:+.3f}" for label, c in f.factors[:3])
            self.stdout.write(
                f"{f.estate.grid:<8} {f.estate.name:<16} {f.estate.customers:>5}/"
                f"{f.potential:<5} +{f.untapped:<5} {f.penetration:6.1%}  {why}"
            )


def _ids(grid_id: int) -> set[int]:
    return set(Site.objects.filter(grid_id=grid_id).values_list("pk", flat=True))


def _as_json(
    ranked: list[potential.Forecast], model: potential.Model, ev: potential.Evaluation
) -> dict[str, Any]:
    return {
        "model": {
            "fitted_on": model.fitted_on,
            "mean_penetration": round(model.intercept, 4),
            "held_out": {
                "estates": ev.estates,
                "folds": ev.folds,
                "model_mae": round(ev.model_mae, 4),
                "baseline_mae": round(ev.baseline_mae, 4),
                "model_customers_mae": round(ev.model_customers_mae, 2),
                "baseline_customers_mae": round(ev.baseline_customers_mae, 2),
            },
        },
        "estates": [
            {
                "site_id": f.estate.id,
                "name": f.estate.name,
                "grid": f.estate.grid,
                "households": f.estate.households,
                "customers": f.estate.customers,
                "penetration": round(f.penetration, 4),
                "potential": f.potential,
                "untapped": f.untapped,
                "factors": [
                    {"factor": label, "contribution": round(c, 4)} for label, c in f.factors
                ],
            }
            for f in ranked
        ],
    }
