"""The snapshots' scope rule: queryset and object forms agree for any scope, and the
personas see what the matrix promises."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.insights.world import InsightsWorld
from wangge.core import clock
from wangge.core.access import SYSTEM, Scope
from wangge.insights import services
from wangge.insights.models import Snapshot, SnapshotQuerySet

pytestmark = pytest.mark.django_db


def test_the_object_predicate_agrees_with_the_queryset(county: InsightsWorld) -> None:
    services.snapshot_take(actor=SYSTEM, on=clock.today())
    rows = list(Snapshot.objects.all())
    assert {r.level for r in rows} == {"county", "grid", "person"}
    w = county.world
    grids = [w.grid_a.pk, w.grid_b.pk]
    staff = [s.pk for s in w.staff.values()]

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        scope=st.builds(
            Scope,
            user_id=st.just(1),
            staff_id=st.one_of(st.none(), st.sampled_from(staff)),
            grid_ids=st.frozensets(st.sampled_from(grids)),
            managed_grid_ids=st.frozensets(st.sampled_from(grids)),
            own_records_only=st.booleans(),
            everything=st.booleans(),
        )
    )
    def check(scope: Scope) -> None:
        by_query = set(Snapshot.objects.visible_to_scope(scope).values_list("pk", flat=True))
        by_object = {r.pk for r in rows if SnapshotQuerySet.visible(scope, r)}
        assert by_query == by_object

    check()


def test_each_persona_sees_their_grid_and_their_own(county: InsightsWorld) -> None:
    services.snapshot_take(actor=SYSTEM, on=clock.today())
    w = county.world

    def seen(persona: str) -> set[tuple[str, str | None]]:
        rows = Snapshot.objects.visible_to(w.user(persona))
        out: set[tuple[str, str | None]] = set()
        for level, code, no in rows.values_list("level", "grid__code", "staff__employee_no"):
            out.add((level, code if level == "grid" else no.lower() if no else None))
        return out

    assert ("county", None) in seen("market_admin")
    assert seen("account_a") == {("grid", "A"), ("person", "account_a")}
    assert seen("agent_a") == {("person", "agent_a")}
    assert seen("manager_a") == {
        ("grid", "A"),
        ("person", "account_a"),
        ("person", "agent_a"),
        ("person", "manager_a"),
        ("person", "tech_a"),  # no customers, but estates to survey: site figures
    }
    assert seen("sales_b") == {("grid", "B"), ("person", "sales_b")}
