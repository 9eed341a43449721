"""Market-knowledge endpoints (the headline figures, dashboards, potential)."""

from wangge.core.api import ApiRouter
from wangge.insights.api import kpis

router = ApiRouter(tags=["insights"])
router.add_router("", kpis.router)
