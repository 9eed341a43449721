"""Writes and business rules of growth work (one module per record family)."""

from wangge.sales.services.campaigns import campaign_create, campaign_update
from wangge.sales.services.dispatch import (
    escalate_overdue,
    opportunity_accept,
    opportunity_dispatch,
    opportunity_return,
    suggested_assignee,
    suggested_assignees,
)
from wangge.sales.services.opportunities import (
    opportunity_create,
    opportunity_lose,
    opportunity_move,
    opportunity_update,
    opportunity_win,
)
from wangge.sales.services.promotion import lead_submit, piece_create, piece_inspect
from wangge.sales.services.visits import day_plan_set, visit_record

__all__ = [
    "campaign_create",
    "campaign_update",
    "day_plan_set",
    "escalate_overdue",
    "lead_submit",
    "opportunity_accept",
    "opportunity_create",
    "opportunity_dispatch",
    "opportunity_lose",
    "opportunity_move",
    "opportunity_return",
    "opportunity_update",
    "opportunity_win",
    "piece_create",
    "piece_inspect",
    "suggested_assignee",
    "suggested_assignees",
    "visit_record",
]
