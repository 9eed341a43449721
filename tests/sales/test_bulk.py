"""The bench's bulk opportunities (`tests/sales/bulk.py`), built at a few dozen: the rows
the services would have written (valid, with the funnel's kept figures of their history)
and the board's mix, so the figures `bench/sales.py` prints are measured on a real board."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.crm.world import CrmWorld
from tests.sales.bulk import bulk_opportunities
from wangge.crm.models import Customer
from wangge.sales import selectors
from wangge.sales.models import Opportunity, OpportunityStep
from wangge.sales.services.funnel_keep import KEPT_FIELDS, funnel_keep

pytestmark = pytest.mark.django_db


def _more_customers(crm: CrmWorld, n: int) -> None:
    sites = [*crm.t.sites_a, *crm.t.sites_b]
    Customer.objects.bulk_create(
        Customer(
            kind="household",
            name=f"批量客户{i}",
            code=f"BK{i:05d}",
            site=sites[i % len(sites)],
            relationship="potential",
            phone=f"137{i:08d}",
            owner=crm.world.staff["account_a"],
        )
        for i in range(n)
    )


def test_the_bench_input_is_what_the_services_would_have_written_with_the_boards_mix(
    crm: CrmWorld,
) -> None:
    _more_customers(crm, 120)
    added = bulk_opportunities(100, seed=3)
    assert (added.open, added.lost) == (100, 20)
    opps = Opportunity.objects.all()
    assert opps.open().count() == 100 and opps.filter(stage="lost").count() == 20
    for opp in opps:
        opp.full_clean()  # every field and constraint the model holds
        assert opp.code and opp.customer.site_id == opp.site_id
        assert opp.grid_id in (None, opp.site.grid_id)
    assert not opps.filter(stage="lost", lost_reason="").exists()
    kept = list(opps.order_by("pk").values_list("pk", *KEPT_FIELDS))
    assert funnel_keep([row[0] for row in kept]) == 120
    assert list(opps.order_by("pk").values_list("pk", *KEPT_FIELDS)) == kept
    assert OpportunityStep.objects.filter(kind="created").count() == 120
    # The ids were chosen by the loader: the next one the database gives is past them.

    # The board's mix (one load for both checks: the load is what costs).
    opps = opps.open()
    dispatch = Counter(opps.values_list("dispatch", flat=True))
    assert set(dispatch) == {"none", "to_grid", "pending", "accepted"}
    assert opps.filter(grid__isnull=True).count() == dispatch["none"]
    admin = crm.world.user("market_admin")
    board = selectors.board(user=admin)
    assert board.unassigned == dispatch["none"] + dispatch["to_grid"]
    assert 0 < board.overdue < dispatch["accepted"]
    assert sum(c.count for c in board.columns) == 100
    # Loaded around `Opportunity.save`, counted again: the kept summary is the live one.
    assert board == selectors._board_live(user=admin, grid_id=None)

    nxt = Opportunity.objects.create(source="visit", site=crm.t.sites_a[0])
    assert nxt.pk > max(row[0] for row in kept)
