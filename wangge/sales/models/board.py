"""The dispatch board's summary, kept: open opportunities counted per grid, assignee, stage
and dispatch state, with their expected monthly value.

The county's board (the market department) read every open opportunity's index entry to
add these up: 66 ms of CPU at a hundred thousand open, more than a page may cost. Every
write of an opportunity goes through `Opportunity.save`, which moves its count here in the
same transaction (`BoardCount.shift`); writes around it (a bench's raw load, a queryset
`update` of these columns) call `BoardCount.recount()`, which the scheduler also runs
nightly. What depends on the hour (overdue) is not kept: the board counts the late rows
themselves, from their own indexes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Sum


class BoardKey(NamedTuple):
    """Where an open opportunity counts on the board (0: no grid / nobody)."""

    grid: int
    assignee: int
    stage: str
    dispatch: str


class BoardCount(models.Model):
    # Plain numbers, not foreign keys: 0 stands for "no grid" and "nobody", which a
    # unique constraint over nullable columns would not hold to one row.
    grid_key = models.PositiveIntegerField()
    assignee_key = models.PositiveIntegerField()
    stage = models.CharField(max_length=16)
    dispatch = models.CharField(max_length=16)
    n = models.IntegerField(default=0)
    value = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        verbose_name = "board count"
        constraints = [
            models.UniqueConstraint(
                fields=["grid_key", "assignee_key", "stage", "dispatch"],
                name="sales_boardcount_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid_key}/{self.assignee_key}/{self.stage}/{self.dispatch}: {self.n}"

    @classmethod
    def shift(
        cls, old: tuple[BoardKey, Decimal] | None, new: tuple[BoardKey, Decimal] | None
    ) -> None:
        """An opportunity moved from `old` to `new` (None: not open, or not there): one
        less there, one more here. The rows are updated in key order, so two writers
        moving counts between the same two keys lock them in the same order."""
        if old == new:
            return
        moves: list[tuple[BoardKey, int, Decimal]] = []
        if old is not None:
            moves.append((old[0], -1, -old[1]))
        if new is not None:
            moves.append((new[0], 1, new[1]))
        for key, dn, dv in sorted(moves, key=lambda m: m[0]):
            cls._add(key, dn, dv)

    @classmethod
    def _add(cls, key: BoardKey, dn: int, dv: Decimal) -> None:
        where = {
            "grid_key": key.grid,
            "assignee_key": key.assignee,
            "stage": key.stage,
            "dispatch": key.dispatch,
        }
        if cls.objects.filter(**where).update(n=F("n") + dn, value=F("value") + dv):
            return
        try:
            with transaction.atomic():  # a savepoint: another writer may insert it first
                cls.objects.create(**where, n=dn, value=dv)
        except IntegrityError:
            cls.objects.filter(**where).update(n=F("n") + dn, value=F("value") + dv)

    @classmethod
    @transaction.atomic
    def recount(cls) -> int:
        """Count every open opportunity again (one grouped read); returns the rows kept."""
        from wangge.sales.models.opportunities import Opportunity

        grouped = (
            Opportunity.objects.open()
            .order_by()
            .values("stage", "grid_id", "assignee_id", "dispatch")
            .annotate(n=Count("stage"), v=Sum("expected_monthly"))
        )
        rows: list[BoardCount] = [
            BoardCount(
                grid_key=r["grid_id"] or 0,
                assignee_key=r["assignee_id"] or 0,
                stage=r["stage"],
                dispatch=r["dispatch"],
                n=r["n"],
                value=r["v"] or Decimal("0.00"),
            )
            for r in grouped
        ]
        BoardCount.objects.all().delete()
        BoardCount.objects.bulk_create(rows, batch_size=1000)
        return len(rows)
