"""Performance records: what was sold (the base of commission, targets and awards)."""

from wangge.performance.models.sales import BusinessLine, SalesRecord

__all__ = ["BusinessLine", "SalesRecord"]
