"""The performance pages."""

from django.urls import URLPattern

from wangge.performance import views_sales, views_settle

app_name = "performance"

urlpatterns: list[URLPattern] = [*views_sales.urls, *views_settle.urls]
