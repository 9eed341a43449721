"""Grid-division endpoints: the active grids as GeoJSON, sites, plans. Scoped like the pages."""

from wangge.core.api import ApiRouter
from wangge.territory.api import grids, plans, sites

router = ApiRouter(tags=["territory"])
for _module in (grids, sites, plans):
    router.add_router("", _module.router)
