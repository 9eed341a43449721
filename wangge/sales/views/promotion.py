"""Sales pages: promotion (see the module's views)."""

from __future__ import annotations

from django.urls import URLPattern

urls: list[URLPattern] = []
