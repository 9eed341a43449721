"""The market potential's one write: store a fit of the model (`selectors_potential.compute`)
as the run the pages, the API and the lower apps read until the next one.

Like the snapshots, a run is derived data the system recomputes every night, written in
bulk without an audit entry per row; who may store one is still checked. The last
`KEEP_RUNS` runs are kept (what the model said a few days ago), older ones deleted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from wangge.core.permissions import require
from wangge.insights import potential
from wangge.insights import selectors_potential as sel
from wangge.insights.models import PersonPotential, PotentialRun, SiteForecast
from wangge.insights.permissions_potential import Action

KEEP_RUNS = 7


def _model(model: potential.Model) -> dict[str, dict[str, float]]:
    return {
        key: {"mean": float(m), "scale": float(s), "coefficient": float(c)}
        for (key, _label, _f), m, s, c in zip(
            potential.FACTORS, model.means, model.scales, model.coefficients, strict=True
        )
    }


def potential_store(*, actor: Any, computed: sel.Computed) -> PotentialRun:
    """Store `computed` as the latest run (its forecasts and its split among people)."""
    require(actor, Action.COMPUTE)
    ev, model = computed.evaluation, computed.model
    with transaction.atomic():
        run = PotentialRun.objects.create(
            seconds=round(computed.seconds, 3),
            estates=len(computed.forecasts),
            fitted_on=model.fitted_on,
            intercept=model.intercept,
            model=_model(model),
            held_out=ev.estates,
            folds=ev.folds,
            model_mae=ev.model_mae,
            baseline_mae=ev.baseline_mae,
            model_customers_mae=ev.model_customers_mae,
            baseline_customers_mae=ev.baseline_customers_mae,
        )
        SiteForecast.objects.bulk_create(
            (
                SiteForecast(
                    run=run,
                    site_id=f.estate.id,
                    penetration=f.penetration,
                    potential=f.potential,
                    factors=[[label, round(c, 6)] for label, c in f.factors],
                )
                for f in computed.forecasts
            ),
            batch_size=2000,
        )
        PersonPotential.objects.bulk_create(
            (
                PersonPotential(
                    run=run,
                    grid_id=grid_id,
                    staff_id=staff_id,
                    basis=basis,
                    untapped=untapped,
                    sites=sites,
                )
                for grid_id, staff_id, basis, untapped, sites in computed.people
            ),
            batch_size=2000,
        )
        old = PotentialRun.objects.order_by("-computed_at", "-pk").values_list("pk", flat=True)
        PotentialRun.objects.filter(pk__in=list(old[KEEP_RUNS:])).delete()
    return run


def potential_compute(*, actor: Any) -> PotentialRun:
    """Fit, evaluate, forecast, split and store: the nightly job."""
    require(actor, Action.COMPUTE)
    return potential_store(actor=actor, computed=sel.compute())


def nightly() -> int:
    """The scheduler's job (the scheduler acts as the system): the estates stored."""
    from wangge.core.access import SYSTEM

    return potential_compute(actor=SYSTEM).estates
