"""`wangge demo --customers N` sizes the county for benchmarks (bench/pages.py builds 1,000,000)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from wangge.demo.management.commands import demo

pytestmark = pytest.mark.django_db


def test_customers_sets_the_crm_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def load_crm(seed: int, *, scale: float) -> dict[str, int]:
        seen["scale"] = scale
        return {}

    monkeypatch.setattr(demo, "load_county", lambda county: {})
    monkeypatch.setattr(demo, "load_territory", lambda seed: {})
    monkeypatch.setattr(demo, "load_crm", load_crm)
    call_command("demo", customers=1_025_000, no_work=True, stdout=io.StringIO())
    assert seen["scale"] == pytest.approx(5.0)


@pytest.mark.parametrize("n", [0, -5, demo.MAX_CUSTOMERS + 1])
def test_an_impossible_size_is_refused(n: int) -> None:
    with pytest.raises(CommandError):
        call_command("demo", customers=n)
