"""The performance pages."""

from django.urls import URLPattern

from wangge.performance import (
    views_awards,
    views_config,
    views_sales,
    views_settle,
    views_targets,
)

app_name = "performance"

urlpatterns: list[URLPattern] = [
    *views_sales.urls,
    *views_settle.urls,
    *views_targets.urls,
    *views_awards.urls,
    *views_config.urls,
]
