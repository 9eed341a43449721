"""Performance endpoints (sales records, statements, targets, awards)."""

from wangge.core.api import ApiRouter
from wangge.performance.api import sales, settle

router = ApiRouter(tags=["performance"])
for _module in (sales, settle):
    router.add_router("", _module.router)
