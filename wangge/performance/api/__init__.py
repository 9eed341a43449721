"""Performance endpoints (sales records, statements, targets, awards)."""

from wangge.core.api import ApiRouter
from wangge.performance.api import settle, targets

router = ApiRouter(tags=["performance"])
router.add_router("", settle.router)
router.add_router("", targets.router)
