"""The care engine: for every customer under a rule, when the next contact is due.

One SQL statement per rule, on both SQLite and PostgreSQL: the rule's customers (a filter on
the customer table), joined to one aggregate of their contacts (the sales app's visits and
the contacts recorded here, of the kinds the rule counts) and, where the rule needs it, to
their activation date (the first subscription's start). Dates are computed in SQL, so a
county of a million customers is one pass over the tables, never a loop in Python.

`refresh` replaces the stored answers (`CareDue`) for all customers or for a few (after a
contact), and keeps their counts per grid, owner and due date (`CareCount`, what the
dashboards read) with them; `due_rows` evaluates as of any date without storing (the CLI's
`--on`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, DateField, F, Value, When

from wangge.core import clock
from wangge.crm.models import Customer, Subscription
from wangge.org.models import Staff
from wangge.retention.models import CareCount, CareDue, CareRule, Contact
from wangge.sales.models import Visit
from wangge.territory.models import Site

#: Which of the sales app's visit kinds each contact kind of a rule counts.
VISIT_KINDS = {"door": "door", "phone": "phone"}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class _Dialect:
    """The few date expressions SQLite and PostgreSQL spell differently."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"

    def param(self) -> str:
        return "CAST(%s AS date)" if self.pg else "%s"

    def local_date(self, col: str) -> str:
        if self.pg:
            return f"CAST(({col} AT TIME ZONE '{settings.TIME_ZONE}') AS date)"
        # SQLite keeps UTC text; Asia/Shanghai has had no daylight saving since 1991.
        return f"date({col}, '+8 hours')"

    def add_days(self, day: str, days: str) -> str:
        if self.pg:
            # date + integer is a date; date + bigint (a count, a ceil) has no operator.
            return f"CAST(({day}) + CAST(({days}) AS integer) AS date)"
        return f"date({day}, '+' || ({days}) || ' days')"

    def days_between(self, later: str, earlier: str) -> str:
        if self.pg:
            return f"(({later}) - ({earlier}))"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"max({a}, {b})"


def _months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last = (dt.date(y + (m // 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


@dataclass(frozen=True)
class _Sql:
    sql: str
    params: list[Any]


def _contacts(
    rule: CareRule, until: Any, customer_ids: Sequence[int] | None, grid_id: int | None = None
) -> tuple[str, list[Any]]:
    """Every counted contact as (cid, at), visits and own contacts together; only those of
    `customer_ids`, or of the customers now at `grid_id`'s sites (else the whole county's
    contacts were grouped to keep one grid's)."""
    kinds = list(rule.contact_kinds)
    parts: list[str] = []
    params: list[Any] = []
    only = ""
    keep: list[Any] = []
    if customer_ids is not None:
        only = f" AND customer_id IN ({', '.join(['%s'] * len(customer_ids))})"
        keep = list(customer_ids)
    elif grid_id is not None:
        cust, site, _sub = tables()
        only = (
            f" AND customer_id IN (SELECT gc.id FROM {cust} gc JOIN {site} gs"
            f" ON gs.id = gc.site_id WHERE gs.grid_id = %s)"
        )
        keep = [grid_id]
    visit_kinds = [VISIT_KINDS[k] for k in kinds if k in VISIT_KINDS]
    if visit_kinds:
        parts.append(
            f"SELECT customer_id AS cid, {_q('at')} AS at FROM {_q(Visit._meta.db_table)}"
            f" WHERE customer_id IS NOT NULL AND kind IN ({', '.join(['%s'] * len(visit_kinds))})"
            f" AND {_q('at')} < %s{only}"
        )
        params += [*visit_kinds, until, *keep]
    parts.append(
        f"SELECT customer_id AS cid, {_q('at')} AS at FROM {_q(Contact._meta.db_table)}"
        f" WHERE kind IN ({', '.join(['%s'] * len(kinds))}) AND {_q('at')} < %s{only}"
    )
    params += [*kinds, until, *keep]
    return " UNION ALL ".join(parts), params


def tables() -> tuple[str, str, str]:
    """The customer, site and subscription tables, quoted."""
    return (
        _q(Customer._meta.db_table),
        _q(Site._meta.db_table),
        _q(Subscription._meta.db_table),
    )


def activation_join() -> str:
    """`a.activated_on`: the customer's first subscription's start (its activation)."""
    sub = tables()[2]
    return (
        f" JOIN (SELECT customer_id AS cid, MIN(started_on) AS activated_on FROM {sub}"
        f" GROUP BY customer_id) a ON a.cid = c.id"
    )


def customer_where(
    rule: CareRule, *, grid_id: int | None = None, customer_ids: Sequence[int] | None = None
) -> tuple[list[str], list[Any]]:
    """The rule's customers, as conditions on `c` (customer) and `s` (its site)."""
    where = ["1=1"]
    params: list[Any] = []
    if rule.customer_kind:
        where.append("c.kind = %s")
        params.append(rule.customer_kind)
    if rule.tier:
        where.append("c.tier = %s")
        params.append(rule.tier)
    # Care keeps customers who are ours: a rule naming no relationship means subscribers.
    rels = [rule.relationship] if rule.relationship else list(Customer.SUBSCRIBER_RELATIONSHIPS)
    where.append(f"c.relationship IN ({', '.join(['%s'] * len(rels))})")
    params += [str(r) for r in rels]
    for g in (rule.grid_id, grid_id):
        if g is not None:
            where.append("s.grid_id = %s")
            params.append(g)
    if customer_ids is not None:
        where.append(f"c.id IN ({', '.join(['%s'] * len(customer_ids))})")
        params += list(customer_ids)
    return where, params


def _rule_select(
    rule: CareRule,
    as_of: dt.date,
    *,
    customer_ids: Sequence[int] | None = None,
    grid_id: int | None = None,
) -> _Sql:
    """SELECT customer_id, rule_id, owner_id, grid_id, due_on, overdue_days,
    last_contact_on, as_of — one row per customer the rule keeps an eye on."""
    d = _Dialect()
    p = d.param()
    until = connection.ops.adapt_datetimefield_value(
        clock.start_of_day(as_of + dt.timedelta(days=1))
    )
    contacts, contact_params = _contacts(rule, until, customer_ids, grid_id)
    cust, site, sub = tables()
    where, params = customer_where(rule, grid_id=grid_id, customer_ids=customer_ids)
    window = rule.mode == CareRule.Mode.WINDOW
    needs_activation = window or rule.activated_within_months is not None
    act_join = ""
    if needs_activation:
        act_join = activation_join()
        where.append(f"a.activated_on <= {p}")
        params.append(as_of.isoformat())
        if rule.activated_within_months is not None:
            where.append(f"a.activated_on >= {p}")
            params.append(_months_before(as_of, rule.activated_within_months).isoformat())

    last_on = d.local_date("k.last_at")
    if window:
        # Contacts since activation, and the k-th contact due by day ceil(k·D/M).
        agg = (
            f"SELECT k.cid, COUNT(*) AS n, MAX(k.at) AS last_at FROM ({contacts}) k"
            f" JOIN (SELECT customer_id AS cid, MIN(started_on) AS activated_on FROM {sub}"
            f" GROUP BY customer_id) ka ON ka.cid = k.cid"
            f" WHERE {d.local_date('k.at')} >= ka.activated_on GROUP BY k.cid"
        )
        where.append(f"a.activated_on > {p}")
        params.append((as_of - dt.timedelta(days=rule.period_days)).isoformat())
        where.append("COALESCE(k.n, 0) < %s")
        params.append(rule.min_contacts)
        days, m = int(rule.period_days), int(rule.min_contacts)
        step = f"((COALESCE(k.n, 0) + 1) * {days} + {m} - 1) / {m}"
        due = d.add_days("a.activated_on", step)
    else:
        agg = f"SELECT cid, MAX(at) AS last_at FROM ({contacts}) k0 GROUP BY cid"
        n = str(int(rule.period_days))
        # Never contacted: N days after it came under care (recorded, or the rule began).
        since = d.local_date("c.created_at")
        if rule.starts_on is not None:
            since = d.greatest(p, since)
        never = d.add_days(since, n)
        due = f"CASE WHEN k.last_at IS NULL THEN {never} ELSE {d.add_days(last_on, n)} END"
    inner = (
        f"SELECT c.id AS customer_id, c.owner_id AS owner_id, s.grid_id AS grid_id,"
        f" {due} AS due_on, CASE WHEN k.last_at IS NULL THEN NULL ELSE {last_on} END"
        f" AS last_contact_on"
        f" FROM {cust} c JOIN {site} s ON s.id = c.site_id{act_join}"
        f" LEFT JOIN ({agg}) k ON k.cid = c.id"
        f" WHERE {' AND '.join(where)}"
    )
    # Parameters in the order they appear: due (never: starts_on), act, agg, where.
    due_params: list[Any] = []
    if not window and rule.starts_on is not None:
        due_params.append(rule.starts_on.isoformat())
    inner_params = [*due_params, *contact_params, *params]
    sql = (
        f"SELECT x.customer_id, %s AS rule_id, x.owner_id, x.grid_id, x.due_on,"
        f" CASE WHEN x.due_on < {p} THEN {d.days_between(p, 'x.due_on')} ELSE 0 END"
        f" AS overdue_days, x.last_contact_on, {p} AS as_of FROM ({inner}) x"
    )
    iso = as_of.isoformat()
    return _Sql(sql, [rule.pk, iso, iso, iso, *inner_params])


def _active_rules() -> list[CareRule]:
    return list(CareRule.objects.filter(is_active=True).order_by("pk"))


COLUMNS = "customer_id, rule_id, owner_id, grid_id, due_on, overdue_days, last_contact_on, as_of"


@transaction.atomic
def refresh(*, as_of: dt.date | None = None, customer_ids: Iterable[int] | None = None) -> int:
    """Replace the stored care items (all of them, or those of `customer_ids`) and their
    counts (`CareCount`); returns how many items were written."""
    as_of = as_of or clock.today()
    ids = None if customer_ids is None else sorted(set(customer_ids))
    stale = CareDue.objects.all()
    if ids is not None:
        if not ids:
            return 0
        stale = stale.filter(customer_id__in=ids)
        before = _counted(ids)
    # A plain table nothing points at: deleted without loading a million rows first.
    stale._raw_delete(stale.db)
    written = 0
    table = _q(CareDue._meta.db_table)
    with connection.cursor() as cursor:
        for rule in _active_rules():
            q = _rule_select(rule, as_of, customer_ids=ids)
            cursor.execute(f"INSERT INTO {table} ({COLUMNS}) {q.sql}", q.params)
            written += max(cursor.rowcount, 0)
    if ids is None:
        counts_recount()
    else:
        after = _counted(ids)
        after.subtract(before)
        _shift(after)
    return written


# --- the counts (CareCount) ----------------------------------------------------------------

#: Where a care item counts: its due date, or NULL when it was overdue as computed (it
#: stays overdue until computed again, whatever the day), as SQL and as an expression.
_BUCKET_SQL = "CASE WHEN overdue_days > 0 THEN NULL ELSE due_on END"
_BUCKET = Case(When(overdue_days__gt=0, then=Value(None)), default=F("due_on"),
               output_field=DateField())  # fmt: skip

CountKey = tuple[int | None, int, dt.date | None]  # grid, owner, due date (None: overdue)


def counts_recount() -> int:
    """Count every care item again, grouped by grid, owner and due date (one pass over
    the items; the nightly refresh's last step); returns how many count rows were kept."""
    counts, items = _q(CareCount._meta.db_table), _q(CareDue._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {counts}")
        cursor.execute(
            f"INSERT INTO {counts} (grid_id, owner_id, due_on, n)"
            f" SELECT grid_id, owner_id, {_BUCKET_SQL}, COUNT(*) FROM {items}"
            f" GROUP BY grid_id, owner_id, {_BUCKET_SQL}"
        )
        return max(cursor.rowcount, 0)


def _counted(ids: Sequence[int]) -> Counter[CountKey]:
    """The care items of these customers, counted as `CareCount` counts them."""
    rows = (
        CareDue.objects.filter(customer_id__in=ids)
        .annotate(bucket=_BUCKET)
        .order_by()
        .values_list("grid_id", "owner_id", "bucket")
        .annotate(n=Count("id"))
    )
    return Counter({(g, o, b): n for g, o, b, n in rows})


def _shift(delta: Counter[CountKey]) -> None:
    """Add each key's difference to its count row (made when missing), in key order, so
    two writers moving the same keys lock their rows in the same order."""
    moves = sorted(
        ((k, d) for k, d in delta.items() if d),
        key=lambda m: (m[0][0] or 0, m[0][1], m[0][2] or dt.date.min),
    )
    for (grid_id, owner_id, due_on), d in moves:
        where = {"grid_id": grid_id, "owner_id": owner_id, "due_on": due_on}
        if not CareCount.objects.filter(**where).update(n=F("n") + d):
            CareCount.objects.create(**where, n=d)


@dataclass(frozen=True)
class DueRow:
    customer: str
    rule: str
    due_on: dt.date
    overdue_days: int
    owner: str

    def as_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "rule": self.rule,
            "due_on": self.due_on.isoformat(),
            "overdue_days": self.overdue_days,
            "owner": self.owner,
        }


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def due_rows(*, as_of: dt.date, grid_id: int | None = None) -> list[DueRow]:
    """What is due or overdue on `as_of` (due on or before it), evaluated afresh without
    storing: the contacts made up to the end of that day count."""
    out: list[DueRow] = []
    cust, staff = _q(Customer._meta.db_table), _q(Staff._meta.db_table)
    p = _Dialect().param()
    with connection.cursor() as cursor:
        for rule in _active_rules():
            q = _rule_select(rule, as_of, grid_id=grid_id)
            cursor.execute(
                f"SELECT cu.code, st.employee_no, y.due_on, y.overdue_days FROM ({q.sql}) y"
                f" JOIN {cust} cu ON cu.id = y.customer_id JOIN {staff} st ON st.id = y.owner_id"
                f" WHERE y.due_on <= {p}",
                [*q.params, as_of.isoformat()],
            )
            for code, employee_no, due_on, overdue in cursor.fetchall():
                out.append(DueRow(code, rule.name, _as_date(due_on), int(overdue), employee_no))
    out.sort(key=lambda r: (-r.overdue_days, r.due_on, r.customer, r.rule))
    return out
