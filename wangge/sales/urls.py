"""The sales pages: each views module lists its own routes (`urls`)."""

from wangge.sales.views import board, campaigns, funnel, opportunities, promotion, public, visits

app_name = "sales"

urlpatterns = [
    *opportunities.urls,
    *board.urls,
    *visits.urls,
    *promotion.urls,
    *campaigns.urls,
    *funnel.urls,
    *public.urls,
]
