"""Growth endpoints: opportunities (raise, move, dispatch, accept, return, win) and visits.

Scoped like the pages; every state change of an opportunity sends the `version` it read,
and a stale one answers 409 with nothing changed. Domain refusals (a due time in the past,
a dispatch outside the grid, a forbidden stage jump) answer 400 naming the field.
"""

from wangge.core.api import ApiRouter
from wangge.sales.api import funnel, opportunities, visits

router = ApiRouter(tags=["sales"])
for _module in (opportunities, visits, funnel):
    router.add_router("", _module.router)
