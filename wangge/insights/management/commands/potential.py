"""`wangge potential [--grid CODE] [--json]`: each estate's forecast customers, ranked by
untapped potential, with the factors that make it (the model: `wangge.insights.potential`)
and the model's error on held-out estates beside the naive baseline."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core import clock
from wangge.crm.models import CompetitorIntel, CompetitorOffer
from wangge.insights import potential
from wangge.org.models import Grid
from wangge.territory.models import Site


def estates(grid_id: int | None = None) -> list[potential.Estate]:
    """The estates in a grid (one grid's, or all) as the model reads them: the survey's
    figures, today's subscribers, and what the crm knows of competitors there."""
    sites = Site.objects.filter(kind=Site.Kind.ESTATE, grid__isnull=False).select_related("grid")
    if grid_id is not None:
        sites = sites.filter(grid_id=grid_id)
    sites_by_id = {s.pk: s for s in sites}
    today = clock.today()
    rivals: dict[int, int] = defaultdict(int)
    first: dict[int, Any] = {}
    for site_id, launched in CompetitorIntel.objects.filter(site_id__in=sites_by_id).values_list(
        "site_id", "launched_on"
    ):
        rivals[site_id] += 1
        if launched is not None and (site_id not in first or launched < first[site_id]):
            first[site_id] = launched
    cheapest: dict[int, Decimal] = {}
    offers = CompetitorOffer.objects.filter(intel__site_id__in=sites_by_id).exclude(
        ended_on__lt=today
    )
    for offer in offers.select_related("intel"):
        monthly = offer.monthly_equivalent
        site_id = offer.intel.site_id
        if monthly is not None and (site_id not in cheapest or monthly < cheapest[site_id]):
            cheapest[site_id] = monthly

    def share(value: Any) -> float | None:
        return None if value is None else float(value)

    return [
        potential.Estate(
            id=s.pk,
            name=s.name,
            grid=s.grid.code if s.grid else "",
            households=s.households,
            customers=s.customers,
            occupancy=share(s.occupancy_rate),
            pc_owners=s.pc_owners,
            young_share=share(s.owners_young_share),
            senior_share=share(s.owners_senior_share),
            tenant_share=share(s.tenant_share),
            competitors=rivals.get(s.pk, 0),
            competitor_years=(today - first[s.pk]).days / 365.25 if s.pk in first else None,
            competitor_price=float(cheapest[s.pk]) if s.pk in cheapest else None,
        )
        for s in sites_by_id.values()
    ]


class Command(BaseCommand):
    help = "Market potential per estate: forecast customers, untapped potential, factors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grid", help="Only this grid's estates (its code).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--limit", type=int, default=50, help="Rows printed (default 50).")

    def handle(self, *args: Any, **options: Any) -> None:
        grid_id = None
        if options.get("grid"):
            grid = Grid.objects.filter(code=options["grid"]).first()
            if grid is None:
                raise CommandError(f"--grid: no grid with the code {options['grid']!r}")
            grid_id = grid.pk
        # The model learns from the whole county; --grid only narrows what is printed.
        every = estates()
        model = potential.fit(every)
        evaluation = potential.cross_validate(every)
        ids = _ids(grid_id) if grid_id is not None else None
        shown = [e for e in every if ids is None or e.id in ids]
        ranked = potential.forecast(model, shown)[: max(options["limit"], 0)]
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
