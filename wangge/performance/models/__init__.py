"""Performance records: what was sold (the base of commission, targets and awards)."""

from wangge.performance.models.commission import (
    Adjustment,
    CommissionPolicy,
    Settlement,
    Statement,
    StatementLine,
)
from wangge.performance.models.sales import BusinessLine, SalesRecord

__all__ = [
    "Adjustment",
    "BusinessLine",
    "CommissionPolicy",
    "SalesRecord",
    "Settlement",
    "Statement",
    "StatementLine",
]
