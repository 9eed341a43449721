from django.urls import URLPattern

from wangge.service.views import orders, orders_board

# The board's and the SLA's fixed paths before the order's `orders/<code>/`.
urlpatterns: list[URLPattern] = [*orders_board.urls, *orders.urls]
