"""Performance records: what was sold (the base of commission, targets and awards)."""

from wangge.performance.models.awards import Award, AwardKind, AwardRule, Cadence
from wangge.performance.models.commission import (
    Adjustment,
    CommissionPolicy,
    Settlement,
    Statement,
    StatementLine,
)
from wangge.performance.models.sales import BusinessLine, SalesRecord
from wangge.performance.models.targets import Indicator, Target, TeamWeights

__all__ = [
    "Adjustment",
    "Award",
    "AwardKind",
    "AwardRule",
    "BusinessLine",
    "Cadence",
    "CommissionPolicy",
    "Indicator",
    "SalesRecord",
    "Settlement",
    "Statement",
    "StatementLine",
    "Target",
    "TeamWeights",
]
