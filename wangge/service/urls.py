"""The service pages: work orders (urls_orders) and network assets (urls_assets)."""

from wangge.service import urls_assets, urls_orders

app_name = "service"

urlpatterns = [*urls_orders.urlpatterns, *urls_assets.urlpatterns]
