"""Pages of the network asset register and its inspections."""

from django.urls import URLPattern

from wangge.service.views import assets, inspections

urlpatterns: list[URLPattern] = [*assets.urls, *inspections.urls]
