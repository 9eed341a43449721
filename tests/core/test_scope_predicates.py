"""Each scope rule has a queryset form (`scope_q`) and an object form (`visible`): for any
scope, they agree on every record (property-tested over generated scopes)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.crm.world import CrmWorld
from wangge.core.access import Scope
from wangge.core.permissions import can
from wangge.crm.models import CompetitorIntel, CompetitorOffer, Customer, Subscription
from wangge.crm.permissions import Action
from wangge.crm.selectors import sites_for_new_customers
from wangge.org.models import Grid
from wangge.territory.models import Site

MODELS: list[tuple[type[Any], tuple[str, ...]]] = [
    (Site, ()),
    (Grid, ()),
    (Customer, ("site",)),
    (Subscription, ("customer__site",)),
    (CompetitorIntel, ("site",)),
    (CompetitorOffer, ("intel__site",)),
]


def scopes(crm: CrmWorld) -> st.SearchStrategy[Scope]:
    grids = [crm.world.grid_a.pk, crm.world.grid_b.pk]
    staff = [s.pk for s in crm.world.staff.values()]
    return st.builds(
        Scope,
        user_id=st.just(1),
        staff_id=st.one_of(st.none(), st.sampled_from(staff)),
        role=st.sampled_from(["grid_manager", "account_marketer", "technician", "agent"]),
        grid_ids=st.frozensets(st.sampled_from(grids)),
        managed_grid_ids=st.frozensets(st.sampled_from(grids)),
        own_records_only=st.booleans(),
        everything=st.booleans(),
    )


@pytest.mark.parametrize(("model", "related"), MODELS, ids=[m.__name__ for m, _ in MODELS])
def test_the_object_predicate_agrees_with_the_queryset(
    crm: CrmWorld, model: type[Any], related: tuple[str, ...]
) -> None:
    rows = list(model.objects.select_related(*related)) if related else list(model.objects.all())
    assert rows

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(scope=scopes(crm))
    def check(scope: Scope) -> None:
        qs = model.objects.all()
        by_query = set(qs.visible_to_scope(scope).values_list("pk", flat=True))
        by_object = {r.pk for r in rows if type(qs).visible(scope, r)}
        assert by_query == by_object

    check()


def test_where_customers_may_be_registered_agrees_with_the_rule(crm: CrmWorld) -> None:
    for persona in crm.world.staff:
        user = crm.world.user(persona)
        listed = set(sites_for_new_customers(user=user))
        allowed = {s for s in Site.objects.all() if can(user, Action.CREATE_CUSTOMER, s)}
        assert listed == allowed, persona
