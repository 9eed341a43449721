"""The demo's growth work follows its scale: a small county gets only a little (the living
month itself is checked in tests/demo/test_month.py, from one shared load)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from wangge.sales.models import Campaign, Opportunity

pytestmark = pytest.mark.django_db


def _demo(*args: str) -> None:
    call_command("demo", "--grids", "3", "--crm-scale", "0.02", *args, stdout=StringIO())


def test_a_small_county_gets_only_a_little_growth_work() -> None:
    _demo()  # --sales-scale follows --crm-scale (0.02)
    assert Opportunity.objects.count() <= 5
    assert not Campaign.objects.exists()
