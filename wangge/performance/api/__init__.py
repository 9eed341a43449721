"""Performance endpoints (sales records, statements, targets, awards)."""

from wangge.core.api import ApiRouter

router = ApiRouter(tags=["performance"])
