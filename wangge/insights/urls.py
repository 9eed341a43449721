"""The market-knowledge pages: dashboards (company, region, grid, person) and the map."""

from django.urls import URLPattern

from wangge.insights import views, views_map, views_potential

app_name = "insights"

urlpatterns: list[URLPattern] = [*views.urls, *views_map.urls, *views_potential.urls]
