"""Market-knowledge endpoints (the headline figures, dashboards, potential)."""

from wangge.core.api import ApiRouter

router = ApiRouter(tags=["insights"])
