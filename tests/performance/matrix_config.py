"""Matrix rows of the assessment settings (merged by tests/performance/matrix.py).

Everyone with targets reads the indicators (agents too: their targets are in them); staff
read the award rules (announced); only the market department edits, and only it opens the
virtual teams' weights and targets.
"""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld
from tests.performance.matrix_targets import EVERYONE, STAFF, ok
from wangge.performance.models import AwardRule, Indicator

ADMIN = ok("market_admin")

PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "performance:indicator_list": (None, EVERYONE),
    "performance:indicator_export": (None, EVERYONE),
    "performance:indicator_create": (None, ADMIN),
    "performance:indicator_edit": ("perf_indicator", ADMIN),
    "performance:award_rule_list": (None, STAFF),
    "performance:award_rule_export": (None, STAFF),
    "performance:award_rule_edit": ("perf_award_rule", ADMIN),
    "performance:team_list": (None, ADMIN),
    "performance:team_export": (None, ADMIN),
    "performance:team_targets_export": (None, ADMIN),
    "performance:team_weights": ("perf_virtual_team", ADMIN),
    "performance:team_targets": ("perf_virtual_team", ADMIN),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {
        "perf_indicator": Indicator.objects.get(code="broadband_new").pk,
        "perf_award_rule": AwardRule.objects.get(kind="pioneer_star").pk,
        "perf_virtual_team": crm.world.virtual.pk,
    }
