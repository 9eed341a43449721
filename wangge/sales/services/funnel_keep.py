"""The funnel's kept columns (`Opportunity.furthest_stage`, `*_hours`), worked out from each
opportunity's history by `sales.funnel.kept`, the funnel's own definitions.

The stage services call it after every move; whatever writes history around them (the demo
loader back-dating its month, the data migration that added the columns, a bench) calls
it for the opportunities it touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from wangge.sales import funnel
from wangge.sales.models import Opportunity, OpportunityStep

#: Timed stage → the column keeping its completed stays (the model's `STAY_COLUMNS`, spelled
#: out so that the migration's historical models can use it too).
STAY_COLUMNS = {
    "need": "need_hours",
    "proposal": "proposal_hours",
    "confirmed": "confirmed_hours",
    "ordered": "ordered_hours",
}
KEPT_FIELDS = ("furthest_stage", *STAY_COLUMNS.values())


def _values(kept: funnel.Kept) -> dict[str, Any]:
    values: dict[str, Any] = {"furthest_stage": kept.furthest}
    for stage, column in STAY_COLUMNS.items():
        values[column] = kept.hours.get(stage)
    return values


def _moves(step_model: Any, ids: list[int]) -> dict[int, list[tuple[Any, str]]]:
    """Each opportunity's stage moves in time order (ties in the order they were written)."""
    moves: dict[int, list[tuple[Any, str]]] = {}
    steps = (
        step_model.objects.filter(opportunity_id__in=ids, kind="stage")
        .exclude(to_stage="")
        .order_by("opportunity_id", "at", "id")
        .values_list("opportunity_id", "at", "to_stage")
    )
    for opp_id, at, to_stage in steps:
        moves.setdefault(opp_id, []).append((at, to_stage))
    return moves


def funnel_keep_one(opp: Opportunity) -> None:
    """After a stage move: the row and the instance in hand (so that nothing saving it
    later writes the old figures back)."""
    moves = _moves(OpportunityStep, [opp.pk]).get(opp.pk, [])
    values = _values(
        funnel.kept(funnel.FunnelRow(created_at=opp.created_at, stage=opp.stage, moves=moves))
    )
    for name, value in values.items():
        setattr(opp, name, value)
    Opportunity.objects.filter(pk=opp.pk).update(**values)


def funnel_keep(
    ids: Iterable[int], *, models: tuple[Any, Any] | None = None, batch: int = 2000
) -> int:
    """Rewrite the kept columns of the opportunities `ids`; returns how many were written.

    A derived copy of the history, not an edit: no version bump, no audit entry (the steps
    it is worked out from are the record). `models` are (Opportunity, OpportunityStep),
    the migration's historical ones or the app's."""
    opp_model: Any
    step_model: Any
    opp_model, step_model = models or (Opportunity, OpportunityStep)
    wanted = sorted(set(ids))
    meta = opp_model._meta
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in KEPT_FIELDS)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"
    written = 0
    for i in range(0, len(wanted), batch):
        chunk = wanted[i : i + batch]
        moves = _moves(step_model, chunk)
        rows = opp_model.objects.filter(pk__in=chunk).values_list("pk", "created_at", "stage")
        updates = []
        for pk, created_at, stage in rows:
            row = funnel.FunnelRow(created_at=created_at, stage=stage, moves=moves.get(pk, ()))
            values = _values(funnel.kept(row))
            updates.append([*(values[name] for name in KEPT_FIELDS), pk])
        # One plain statement per row (executemany): `bulk_update`'s CASE over a batch
        # made a county's migration quadratic.
        with connection.cursor() as cursor:
            cursor.executemany(sql, updates)
        written += len(updates)
    return written
