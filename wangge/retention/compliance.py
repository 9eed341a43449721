"""Care compliance over a period: of the contacts that fell due in it, how many were made by
their due date (客户维系达标率).

A due contact is each due date the engine sets, replayed from the contacts themselves, so a
period in the past is judged without a stored history:

* `every` N days: the customer's start under care (its record, or the rule's start) and each
  contact day set a due date N days later; it is kept when the next contact comes on or
  before it. Several contacts before a due date each set the next one, as the engine does.
* `window` (M contacts in the first D days): the k-th contact is due on activation +
  ceil(k·D/M); it is kept when k contacts were made from activation up to that day.

A due date in the period that is still open (no contact yet) counts only once it has passed:
today's can still be kept. One SQL statement per rule, grouped by grid or owner, as the
engine's: no loop over customers.

The rule's customers are taken as they are now (kind, tier, relationship, grid, owner): the
period is judged for the people who keep those customers today. A rule limited to customers
activated within N months takes them as of the period's end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from wangge.core import clock
from wangge.core.access import Scope
from wangge.retention.engine import (
    _contacts,
    _Dialect,
    _months_before,
    activation_join,
    customer_where,
    tables,
)
from wangge.retention.models import CareRule

#: Pages and the API judge the last this many days unless told.
DEFAULT_PERIOD_DAYS = 30
#: A period longer than this is refused: the replay reads every contact of the span.
MAX_PERIOD_DAYS = 366


def _scope_where(scope: Scope) -> tuple[list[str], list[Any]]:
    """The care items' rule (`scopes.work_q`) on the customer's owner and grid."""
    if scope.everything:
        return [], []
    if not scope.authenticated:
        return ["1=0"], []
    parts: list[str] = []
    params: list[Any] = []
    if scope.staff_id:
        parts.append("c.owner_id = %s")
        params.append(scope.staff_id)
    grids = sorted(scope.managed_grid_ids)
    if grids and not scope.own_records_only:
        parts.append(f"s.grid_id IN ({', '.join(['%s'] * len(grids))})")
        params += grids
    if not parts:
        return ["1=0"], []
    return [f"({' OR '.join(parts)})"], params


def _rule_sql(
    rule: CareRule, start: dt.date, end: dt.date, today: dt.date, scope: Scope, key: str
) -> tuple[str, list[Any]]:
    """SELECT key, due (count), kept (count) for one rule."""
    d = _Dialect()
    p = d.param()
    until = connection.ops.adapt_datetimefield_value(
        clock.start_of_day(min(end, today) + dt.timedelta(days=1))
    )
    cust, site, _sub = tables()
    where, params = customer_where(rule)
    scope_where, scope_params = _scope_where(scope)
    where += scope_where
    params += scope_params
    window = rule.mode == CareRule.Mode.WINDOW
    act_join = ""
    if window or rule.activated_within_months is not None:
        act_join = activation_join()
        where.append(f"a.activated_on <= {p}")
        params.append(end.isoformat())
        if rule.activated_within_months is not None:
            where.append(f"a.activated_on >= {p}")
            params.append(_months_before(end, rule.activated_within_months).isoformat())
    contacts, contact_params = _contacts(rule, until, None)
    days = int(rule.period_days)
    since_params: list[Any] = []
    if window:
        # Only customers whose window reaches into the period.
        where.append(f"a.activated_on >= {p}")
        params.append((start - dt.timedelta(days=days)).isoformat())
        select_extra = "a.activated_on AS since"
    else:
        since = d.local_date("c.created_at")
        if rule.starts_on is not None:
            since = d.greatest(p, since)
            since_params.append(rule.starts_on.isoformat())
        select_extra = f"{since} AS since"
    cu = (
        f"SELECT c.id AS cid, {key} AS gkey, {select_extra}"
        f" FROM {cust} c JOIN {site} s ON s.id = c.site_id{act_join}"
        f" WHERE {' AND '.join(where)}"
    )
    cd = (
        f"SELECT k.cid, {d.local_date('k.at')} AS dd FROM ({contacts}) k"
        f" WHERE k.cid IN (SELECT cid FROM cu)"
    )
    if window:
        m = int(rule.min_contacts)
        ks = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, m + 1))
        ob = (
            f"SELECT cu.cid, cu.gkey, ks.k, cu.since,"
            f" {d.add_days('cu.since', f'(ks.k * {days} + {m} - 1) / {m}')} AS due_on"
            f" FROM cu CROSS JOIN ({ks}) ks"
        )
        judged = (
            "SELECT ob.gkey, ob.due_on,"
            " CASE WHEN COUNT(cd.cid) >= ob.k THEN 1 ELSE 0 END AS kept"
            " FROM ob LEFT JOIN cd ON cd.cid = ob.cid AND cd.dd >= ob.since"
            " AND cd.dd <= ob.due_on GROUP BY ob.cid, ob.gkey, ob.k, ob.due_on"
        )
        ctes = f"cu AS ({cu}), cd AS ({cd}), ob AS ({ob}), j AS ({judged})"
    else:
        # The start under care counts only when no contact came before it: after a
        # contact the engine counts from the contact.
        ev = (
            "SELECT DISTINCT cid, dd FROM cd UNION ALL SELECT cu.cid, cu.since FROM cu"
            " WHERE NOT EXISTS (SELECT 1 FROM cd WHERE cd.cid = cu.cid AND cd.dd <= cu.since)"
        )
        ob = (
            f"SELECT cid, {d.add_days('dd', str(days))} AS due_on,"
            f" LEAD(dd) OVER (PARTITION BY cid ORDER BY dd) AS next_day FROM ev"
        )
        judged = (
            "SELECT cu.gkey, ob.due_on, CASE WHEN ob.next_day IS NOT NULL"
            " AND ob.next_day <= ob.due_on THEN 1 ELSE 0 END AS kept"
            " FROM ob JOIN cu ON cu.cid = ob.cid"
        )
        ctes = f"cu AS ({cu}), cd AS ({cd}), ev AS ({ev}), ob AS ({ob}), j AS ({judged})"
    sql = (
        f"WITH {ctes} SELECT gkey, COUNT(*), SUM(kept) FROM j"
        f" WHERE due_on >= {p} AND due_on <= {p} AND (due_on < {p} OR kept = 1)"
        f" GROUP BY gkey"
    )
    all_params = [
        *since_params,
        *params,
        *contact_params,
        start.isoformat(),
        end.isoformat(),
        today.isoformat(),
    ]
    return sql, all_params


def compliance(
    *, scope: Scope, start: dt.date, end: dt.date, by: str = "grid"
) -> dict[int | None, tuple[int, int]]:
    """{grid or owner id: (contacts due in the period, kept by their due date)} over the
    active rules, for the care items `scope` may see."""
    if end < start:
        raise ValueError("end before start")
    today = clock.today()
    key = "s.grid_id" if by == "grid" else "c.owner_id"
    out: dict[int | None, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        for rule in CareRule.objects.filter(is_active=True).order_by("pk"):
            sql, params = _rule_sql(rule, start, end, today, scope, key)
            cursor.execute(sql, params)
            for gkey, due, kept in cursor.fetchall():
                was = out.get(gkey, (0, 0))
                out[gkey] = (was[0] + int(due), was[1] + int(kept or 0))
    return out
