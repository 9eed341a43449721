"""Who reads the market potential (the insights app's potential part of the role table).

The seed (§五(四)1) asks the market department and the grid managers to analyse each
estate's potential when they set targets and plan campaigns: the market department for
the county, a manager for their grids (rows scoped like every list). Marketers work the
opportunities they are given; the dispatch board shows them the potential there.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.org.roles import Role


class Action(StrEnum):
    POTENTIAL = "insights.potential"  # the potential page, its export and API
    COMPUTE = "insights.potential_compute"  # fit the model and store it (the nightly job)


def register() -> None:
    permissions.declare(
        app="insights",
        actions={Action.POTENTIAL: _("查看市场潜力"), Action.COMPUTE: _("计算市场潜力")},
        roles={Role.MARKET_ADMIN: set(Action), Role.GRID_MANAGER: {Action.POTENTIAL}},
    )
