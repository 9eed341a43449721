"""Organisation endpoints. Every read goes through the selectors (hence `visible_to`)."""

from wangge.core.api import ApiRouter
from wangge.org.api import grids, staff

router = ApiRouter(tags=["org"])
router.add_router("", staff.router)
router.add_router("", grids.router)
