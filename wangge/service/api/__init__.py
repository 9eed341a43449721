"""Service endpoints: work orders (orders.py) and network assets (assets.py)."""

from wangge.core.api import ApiRouter
from wangge.service.api import assets, orders

router = ApiRouter(tags=["service"])
for _module in (orders, assets):
    router.add_router("", _module.router)
