"""The market potential in the demo county: one run of the nightly job
(`insights_potential`), so the potential page, the person dashboards and the dispatch
board show the model's figures from the start. Runs after `load_infobase` (the survey is
what the model learns from); an earlier run (a demo loaded before) is replaced."""

from __future__ import annotations

from wangge.core.access import SYSTEM
from wangge.insights import services_potential
from wangge.insights.models import PotentialRun


def load_potential() -> dict[str, int]:
    PotentialRun.objects.all().delete()
    run = services_potential.potential_compute(actor=SYSTEM)
    return {"市场潜力预测（小区）": run.estates}
