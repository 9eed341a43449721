"""Performance endpoints (sales records, statements, targets, awards)."""

from wangge.core.api import ApiRouter
from wangge.performance.api import sales, settle, targets

router = ApiRouter(tags=["performance"])
for _module in (sales, settle, targets):
    router.add_router("", _module.router)
