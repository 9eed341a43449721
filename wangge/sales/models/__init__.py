"""Growth records: opportunities and orders, visits and day plans, campaigns, material."""

from wangge.sales.models.board import BoardCount
from wangge.sales.models.campaigns import Campaign
from wangge.sales.models.opportunities import (
    Opportunity,
    OpportunityStep,
    Order,
    Stage,
    opportunity_code,
)
from wangge.sales.models.promotion import PromoInspection, PromoPiece
from wangge.sales.models.visits import DayPlan, DayPlanStop, Visit

__all__ = [
    "BoardCount",
    "Campaign",
    "DayPlan",
    "DayPlanStop",
    "Opportunity",
    "OpportunityStep",
    "Order",
    "PromoInspection",
    "PromoPiece",
    "Stage",
    "Visit",
    "opportunity_code",
]
