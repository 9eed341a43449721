"""Paging big lists without counting them: one paginator for every list page and list API.

Counting a million scoped rows costs more than showing fifty of them, on SQLite and on
PostgreSQL alike. So a list counts at most `COUNT_CAP` + 1 rows (`SELECT COUNT(*) FROM
(SELECT … LIMIT 10001)`): below the cap the count is exact, above it the page says
"10000+" and offers the first `COUNT_CAP` rows' pages (narrow the list with its filters to
see the rest). Page numbers never fail: `?page=abc`, `?page=-1` or a page past the end
show the first or the last page instead of an error.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

#: Lists count up to this many rows exactly; more shows as "10000+".
COUNT_CAP = 10_000


def bounded_count(qs: QuerySet[Any], cap: int | None = None) -> int:
    """How many rows `qs` has, counting no further than `cap` + 1 (more than `cap` means
    "more than `cap`"; `COUNT_CAP` by default). Ordering and joined columns do not change
    a count, so they go."""
    cap = COUNT_CAP if cap is None else cap
    return qs.select_related(None).order_by().values("pk")[: cap + 1].count()


class BoundedPaginator(Paginator):
    """A paginator whose count stops at `cap` + 1 rows; `capped` says it stopped."""

    cap = COUNT_CAP

    @cached_property
    def _bounded(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return bounded_count(rows, self.cap)
        return len(rows)

    @cached_property
    def capped(self) -> bool:
        return self._bounded > self.cap

    @cached_property
    def count(self) -> int:
        """Rows that can be paged through: exact up to `cap`, else `cap`."""
        return min(self._bounded, self.cap)

    @property
    def count_display(self) -> str:
        return f"{self.cap}+" if self.capped else str(self.count)

    @property
    def num_pages_display(self) -> str:
        return f"{self.num_pages}+" if self.capped else str(self.num_pages)

    def page_or_last(self, number: int) -> Page:
        """Page `number` (a positive int), or the last page when the list is shorter."""
        return self.page(min(max(number, 1), self.num_pages))
