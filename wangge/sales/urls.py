"""The sales pages: each views module lists its own routes (`urls`)."""

from django.urls import path

from wangge.sales.views import campaigns, funnel, opportunities, promotion, public, visits

app_name = "sales"

urlpatterns = [
    path("opportunities/", opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("visits/", visits.visit_list, name="visit_list"),
    *promotion.urls,
    *campaigns.urls,
    *funnel.urls,
    *public.urls,
]
