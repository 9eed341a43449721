"""A typed-in deep page (an offset) reads the rows it skips as ids alone, then its own
rows with their joins, and shows exactly what the plain offset shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from wangge.core import pagination
from wangge.core.access import SYSTEM
from wangge.core.pagination import BoundedPaginator
from wangge.crm import selectors, services

pytestmark = pytest.mark.django_db


def test_deep_pages_by_ids_equal_the_offset_slices(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = crm.customers["a_home"]
    for i, name in enumerate(["同名"] * 4 + ["甲", "乙", "AAA", "zzz"]):
        services.customer_create(
            actor=SYSTEM, site=home.site if i % 2 else crm.t.sites_b[0], name=name,
            owner=home.owner, relationship="potential",
        )  # fmt: skip
    monkeypatch.setattr(pagination, "DEEP_OFFSET", 2)
    for persona in PERSONAS:
        qs = selectors.customer_list(user=crm.world.user(persona))
        every = [c.pk for c in qs]
        paginator = BoundedPaginator(qs, 2)
        for n in paginator.page_range:
            with CaptureQueriesContext(connection) as ctx:
                shown = [c.pk for c in paginator.page(n).object_list]
            assert shown == every[(n - 1) * 2 : n * 2], (persona, n)
            if n > 1:  # the skipping query selects the id alone
                first = ctx.captured_queries[0]["sql"]
                assert first.split(" FROM ")[0].count(",") == 0, first
