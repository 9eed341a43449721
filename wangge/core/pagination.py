"""Paging big lists without counting them: one paginator for every list page and list API.

Counting a million scoped rows costs more than showing fifty of them, on SQLite and on
PostgreSQL alike. So a list counts at most `COUNT_CAP` + 1 rows (`SELECT COUNT(*) FROM
(SELECT … LIMIT 10001)`): below the cap the count is exact, above it the page says
"10000+" and offers the first `COUNT_CAP` rows' pages (narrow the list with its filters to
see the rest). A search (`searched`) lists at most `SEARCH_CAP` of its matches. Page
numbers never fail: `?page=abc`, `?page=-1` or a page past the end show the first or the
last page instead of an error.

Deep pages are read from a key, not an offset (keyset pagination): the next/previous links
carry `?page=N&after=<id>` (or `before=<id>`), the id of the row the page continues from,
and the page is the rows that sort after (before) that row, read from the list's index
without skipping N × 50 rows. It applies where the list's order is plain fields ending in
the id (`name, id`); the row is looked up in the same scoped, filtered list, so an id that
is not there (deleted, not visible, typed by hand) shows page N by its offset as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property

from wangge.core.params import int_param, page_param

#: Lists count up to this many rows exactly; more shows as "10000+".
COUNT_CAP = 10_000
#: A search lists at most this many of its matches; more shows as "1000+" and asks for more
#: characters (`searched`).
SEARCH_CAP = 1_000
#: A page further down than this many rows, typed in (an offset), skips them as ids first.
DEEP_OFFSET = 500


#: The attribute under which `counted_in_parts` leaves a list's parts.
_PARTS = "_wangge_count_parts"
#: The attribute under which `searched` marks a search.
_SEARCH = "_wangge_search"


def counted_in_parts(qs: QuerySet[Any], parts: Sequence[QuerySet[Any]]) -> QuerySet[Any]:
    """`qs`, counted as the sum of `parts`: disjoint querysets that together hold exactly
    its rows, each of which an index counts where `qs` as a whole (an OR) is read row by
    row. Only this queryset carries them: filtered or otherwise copied again, it counts as
    itself, so a narrower list can never take its parts' sum."""
    copy = qs.all()
    setattr(copy, _PARTS, tuple(parts))
    return copy


def bounded_count(qs: QuerySet[Any], cap: int | None = None) -> int:
    """How many rows `qs` has, counting no further than `cap` + 1 (more than `cap` means
    "more than `cap`"; `COUNT_CAP` by default). Ordering and joined columns do not change
    a count, so they go. A list `counted_in_parts` counts its parts in turn, each only as
    far as the cap leaves."""
    cap = COUNT_CAP if cap is None else cap
    parts: tuple[QuerySet[Any], ...] | None = getattr(qs, _PARTS, None)
    if parts is not None:
        total = 0
        for part in parts:
            total += bounded_count(part, cap - total)
            if total > cap:
                break
        return total
    return qs.select_related(None).order_by().values("pk")[: cap + 1].count()


def searched(qs: QuerySet[Any]) -> QuerySet[Any]:
    """`qs`, a search: it lists at most `SEARCH_CAP` of its matches, in its order. A search
    that matches more is too broad to sort on every page: a one-character surname (李) is
    28,000 of a million customers, and reading and sorting them all was the whole cost of
    the page. The database stops at `SEARCH_CAP` + 1 matches, taken as it finds them (no
    sort), and those are listed in the search's order with a word that more match and that
    a longer search narrows them (`search_ids`). Like `counted_in_parts`, only this queryset
    carries the mark: filtered or otherwise copied again, it is a plain list."""
    copy = qs.all()
    setattr(copy, _SEARCH, True)
    return copy


def is_search(qs: Any) -> bool:
    return isinstance(qs, QuerySet) and bool(getattr(qs, _SEARCH, False))


#: Planner settings for a read whose first rows should be the same from request to request
#: (while the table and its statistics do not change): parallel workers hand rows to a
#: `LIMIT` in whichever order they finish, and a synchronised sequential scan starts where
#: another scan of the table is.
_ONE_ORDER = {"max_parallel_workers_per_gather": "0", "synchronize_seqscans": "off"}


@contextmanager
def _one_order(alias: str) -> Iterator[None]:
    """On PostgreSQL, `_ONE_ORDER` for what runs inside; elsewhere nothing. In a transaction
    of its own the settings end with it; inside a caller's (`SET LOCAL` lasts to its end)
    they are put back as they were."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    names = list(_ONE_ORDER)
    sets = ", ".join(["set_config(%s, %s, true)"] * len(names))
    if not connection.in_atomic_block:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(f"SELECT {sets}", [x for pair in _ONE_ORDER.items() for x in pair])
            yield
        return
    reads = ", ".join(f"current_setting(%s) AS s{i}" for i in range(len(names)))
    with connection.cursor() as cursor:
        # The settings are read before they are set: the materialised row comes first.
        cursor.execute(
            f"WITH was AS MATERIALIZED (SELECT {reads}) SELECT was.*, {sets} FROM was",
            [*names, *(x for pair in _ONE_ORDER.items() for x in pair)],
        )
        row = cursor.fetchone()
        assert row is not None
        try:
            yield
        finally:  # unless the transaction failed: its rollback undoes the settings
            if not connection.needs_rollback and not _failed(connection):
                was = [x for pair in zip(names, row[: len(names)], strict=True) for x in pair]
                cursor.execute(f"SELECT {sets}", was)


def _failed(connection: Any) -> bool:
    """PostgreSQL: the transaction is aborted (an error in it), so no statement runs."""
    from psycopg import pq

    status = connection.connection.info.transaction_status
    return bool(status == pq.TransactionStatus.INERROR)


def search_ids(qs: QuerySet[Any], cap: int) -> list[Any]:
    """A search's ids in its order: all of them when at most `cap` match, else `cap` + 1
    of them (see `searched`), the first the database finds. The matches are read once, as
    ids, without joins or order; the second read sorts only those ids."""
    with _one_order(qs.db):
        found = list(qs.select_related(None).order_by().values_list("pk", flat=True)[: cap + 1])
    if not found:
        return []
    return list(rows_of(qs, found).select_related(None).values_list("pk", flat=True))


def ranked(qs: QuerySet[Any]) -> bool:
    """The list's order names an expression (a search's): no index holds that order, so
    the database sorts every match to show one page, and the count reads them again.
    Such a list is read as its ordered ids, up to the cap, in one narrow sort that serves
    both the count and the page (`ranked_ids`); the page's rows are then fetched by id."""
    query = qs.query
    if query.combinator or query.distinct or query.distinct_fields or query.extra_order_by:
        return False
    if query.group_by is not None:  # an aggregate's filters may be in its HAVING
        return False
    return any(not isinstance(f, str) for f in query.order_by)


def ranked_ids(qs: QuerySet[Any], limit: int) -> list[Any]:
    """The first `limit` ids of `qs` in its order: no joined columns ride along the sort."""
    return list(qs.select_related(None).values_list("pk", flat=True)[:limit])


def rows_of(qs: QuerySet[Any], ids: Sequence[Any]) -> QuerySet[Any]:
    """The rows of `qs` with these ids (a page of `ranked_ids`), with its joins, columns
    and order. The ids passed its filters already, so they go: kept beside the ids, they
    let the database start from a filter's subquery (a search's thousands of candidates)
    instead of the page's fifty ids."""
    page = qs.all()
    page.query.where = WhereNode()
    return page.filter(pk__in=list(ids))


def _keys(qs: QuerySet[Any]) -> list[str] | None:
    """The list's order as field names (`-` for descending) if it ends in the id, so that
    each row has one place in it; else None (an expression, a random order, a union)."""
    query = qs.query
    if query.combinator or query.distinct_fields or query.extra_order_by:
        return None
    default: list[Any] = list(qs.model._meta.ordering) if query.default_ordering else []
    given: list[Any] = list(query.order_by) or default
    order: list[str] = [f for f in given if isinstance(f, str) and f.lstrip("-") and f != "?"]
    if not order or len(order) != len(given) or order[-1].lstrip("-") not in ("id", "pk"):
        return None
    return order


def _flip(key: str) -> str:
    return key[1:] if key.startswith("-") else f"-{key}"


def _beyond(keys: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows that sort after the row with these values in the order `keys`: the first key
    past its value, or equal and the next one past, and so on. The first key's bound is
    said on its own too, so the index range starts there."""
    first = keys[0]
    lookup = "lt" if first.startswith("-") else "gt"
    bound = Q(**{f"{first.lstrip('-')}__{lookup}e": values[0]})
    later = Q()
    for i, key in enumerate(keys):
        same = {k.lstrip("-"): v for k, v in zip(keys[:i], values[:i], strict=True)}
        op = "lt" if key.startswith("-") else "gt"
        later |= Q(**same, **{f"{key.lstrip('-')}__{op}": values[i]})
    return bound & later


class BoundedPage(Page):
    """A page that knows the ids its neighbours continue from (`after`, `before`)."""

    def _rows(self) -> list[Any]:
        return list(self.object_list)  # a queryset caches what the template then reads

    @property
    def after(self) -> Any:
        rows = self._rows()
        return getattr(rows[-1], "pk", None) if rows and self.has_next() else None

    @property
    def before(self) -> Any:
        rows = self._rows()
        return getattr(rows[0], "pk", None) if rows and self.has_previous() else None


class BoundedPaginator(Paginator):
    """A paginator whose count stops at `cap` + 1 rows; `capped` says it stopped, and
    `broad` that a search did (`searched`: its cap is `SEARCH_CAP`)."""

    cap = COUNT_CAP

    def __init__(self, object_list: Any, per_page: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.search = is_search(object_list)
        if self.search:
            self.cap = SEARCH_CAP

    @cached_property
    def _ranked(self) -> list[Any] | None:
        """A search's or a ranked list's ids up to the cap + 1 (see `searched`, `ranked`),
        else None."""
        rows = self.object_list
        if self.search and isinstance(rows, QuerySet):
            return search_ids(rows, self.cap)
        if isinstance(rows, QuerySet) and ranked(rows):
            return ranked_ids(rows, self.cap + 1)
        return None

    @cached_property
    def _bounded(self) -> int:
        rows = self.object_list
        if self._ranked is not None:
            return len(self._ranked)
        if isinstance(rows, QuerySet):
            return bounded_count(rows, self.cap)
        return len(rows)

    @cached_property
    def capped(self) -> bool:
        return self._bounded > self.cap

    @property
    def broad(self) -> bool:
        """A search that matches more than it lists: a longer one narrows it."""
        return self.search and self.capped

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

    def _get_page(self, *args: Any, **kwargs: Any) -> BoundedPage:
        return BoundedPage(*args, **kwargs)

    def page(self, number: Any) -> BoundedPage:
        rows = self.object_list
        if self._ranked is not None and isinstance(rows, QuerySet):
            number = self.validate_number(number)
            start = (number - 1) * self.per_page
            chosen = self._ranked[: self.cap][start : start + self.per_page]
            return self._get_page(rows_of(rows, chosen), number, self)
        if isinstance(rows, QuerySet) and _keys(rows) is not None:
            number = self.validate_number(number)
            start = (number - 1) * self.per_page
            if start >= DEEP_OFFSET:
                # A deep page by its offset: the rows it skips are read as ids alone, without
                # the joins that only the shown rows need (site, grid, owner, survey …).
                narrow = rows.select_related(None).values_list("pk", flat=True)
                chosen = list(narrow[start : start + self.per_page])
                return self._get_page(rows_of(rows, chosen), number, self)
        page = super().page(number)
        assert isinstance(page, BoundedPage)
        return page

    def page_or_last(self, number: int) -> BoundedPage:
        """Page `number` (a positive int), or the last page when the list is shorter."""
        return self.page(min(max(number, 1), self.num_pages))

    def page_from(self, params: Mapping[str, Any]) -> BoundedPage:
        """The page a list's query string asks for: `page`, continued from the row `after`
        or `before` names where the list's order allows (see the module), else by offset."""
        number = min(max(page_param(params), 1), self.num_pages)
        rows = self.object_list
        keys = _keys(rows) if isinstance(rows, QuerySet) else None
        after, before = int_param(params, "after"), int_param(params, "before")
        if keys is None or (after is None and before is None) or number == 1:
            return self.page(number)
        assert isinstance(rows, QuerySet)
        anchor = after if after is not None else before
        names = [k.lstrip("-") for k in keys]
        values = rows.filter(pk=anchor).values_list(*names).first()
        if values is None or any(v is None for v in values):
            return self.page(number)
        if after is not None:
            found = list(rows.filter(_beyond(keys, values)).order_by(*keys)[: self.per_page])
        else:
            flipped = [_flip(k) for k in keys]
            back = rows.filter(_beyond(flipped, values)).order_by(*flipped)[: self.per_page]
            found = list(back)[::-1]
        return self._get_page(found, number, self)
