"""Market-knowledge endpoints (the headline figures, dashboards, potential)."""

from wangge.core.api import ApiRouter
from wangge.insights.api import kpis, people, potential

router = ApiRouter(tags=["insights"])
router.add_router("", kpis.router)
router.add_router("", people.router)
router.add_router("", potential.router)
