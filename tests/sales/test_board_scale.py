"""What keeps the dispatch board fast with a hundred thousand open opportunities
(`bench/sales.py` times it): its lists are sorted on narrow rows an index holds and only
their page is read whole; its summary is kept (`BoardCount`) and must stay exact; its
dispatch forms (fetched per row) are drawn in Python (`sales.widgets`). The timings are
the bench's; these hold the means."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.crm.world import CrmWorld
from tests.sales.test_speed import grower
from wangge.core import clock
from wangge.sales import selectors, services
from wangge.sales.forms import assignable, assignable_in
from wangge.sales.models import BoardCount, Opportunity
from wangge.sales.widgets import (
    QuickDateTimeInput,
    QuickHiddenInput,
    QuickSelect,
    SharedChoices,
)

ATTRS = {"id": "id_o7-assignee", "required": True, "aria-invalid": "true", "class": "a<b"}


@pytest.mark.parametrize("value", [None, "", 2, "2", "x"])
def test_the_quick_select_draws_what_django_draws(value: Any) -> None:
    pairs = [("", "—"), (1, "张三"), (2, "李<四>&")]
    expected = forms.Select(choices=pairs).render("o7-assignee", value, ATTRS)
    for choices in (pairs, SharedChoices(pairs)):
        widget = QuickSelect()
        widget.choices = choices
        assert parse_html(widget.render("o7-assignee", value, ATTRS)) == parse_html(expected)
        # Drawn again from the shared options: the same.
        assert parse_html(widget.render("o7-assignee", value, ATTRS)) == parse_html(expected)


@pytest.mark.parametrize(
    ("quick", "django"),
    [
        (QuickHiddenInput(), forms.HiddenInput()),
        (
            QuickDateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        ),
    ],
)
@pytest.mark.parametrize("value", [None, "", 3, "2030-01-02T03:04", dt.datetime(2030, 1, 2, 3, 4)])
def test_the_quick_inputs_draw_what_django_draws(quick: Any, django: Any, value: Any) -> None:
    assert parse_html(quick.render("o7-due", value, ATTRS)) == parse_html(
        django.render("o7-due", value, ATTRS)
    )


@pytest.mark.django_db
def test_the_choices_of_a_page_of_grids_are_each_grids_assignable(crm: CrmWorld) -> None:
    grids = [crm.world.grid_a.pk, crm.world.grid_b.pk, None]
    by_grid = assignable_in(grids)
    assert set(by_grid) == set(grids)
    for grid_id in grids:
        assert by_grid[grid_id] == list(assignable(grid_id))
    assert by_grid[crm.world.grid_a.pk]


def _board_queries(crm: CrmWorld, persona: str) -> list[str]:
    client = crm.world.client(persona)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("sales:board"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="unassigned-row"') == 2
    assert 'data-testid="overdue"' in html and "没有超时的商机" not in html
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager_a", "market_admin"])
def test_the_board_sorts_its_lists_on_narrow_rows(crm: CrmWorld, persona: str) -> None:
    """The unassigned list is sorted on the ids alone (no join: every open row of a county
    joined to its customer and site before the sort cost more than the page), the late
    ones are two ranges of narrow rows, each sorted and cut to the board's rows by the
    database (seven thousand late ones sorted in Python cost a county's board more than
    the rest of its page), and on SQLite each from an index that holds every column it
    reads."""
    grower(crm)(2)
    narrow = [
        sql
        for sql in _board_queries(crm, persona)
        if sql.startswith('SELECT "sales_opportunity"."id" AS "pk"')
        and "IN (SELECT" not in sql
        and " JOIN " not in sql
    ]
    late = [sql for sql in narrow if '"closed_at" IS NULL' in sql]
    assert len(late) == 2 and all("ORDER BY" in sql and "LIMIT" in sql for sql in late)
    assert len([sql for sql in narrow if "ORDER BY" in sql and "LIMIT" in sql]) == 3
    for sql in narrow:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                steps = [str(row[-1]) for row in cursor.fetchall()]
            assert all("COVERING INDEX" in s for s in steps if "sales_opportunity" in s), steps


@pytest.mark.django_db
def test_the_late_list_is_the_first_late_ones_in_the_boards_order(
    crm: CrmWorld, time_machine: Any
) -> None:
    """Each range cut to the board's rows by the database, then merged: still the first
    late ones of them all, first contact due first, no due time last, the id breaking
    ties; a late outcome of a contacted one and a late first contact both counted once.
    The opportunity list's overdue filter finds the same ones."""
    time_machine.move_to(clock.now(), tick=False)
    now = clock.now()
    hour = dt.timedelta(hours=1)
    dues = [
        (now - 3 * hour, None, None),  # first contact late, no outcome due
        (now - 3 * hour, now - hour, None),  # the same contact due: the outcome decides
        (now - 5 * hour, now - 2 * hour, now - 4 * hour),  # contacted, outcome late
        (None, now - 6 * hour, None),  # outcome late, no contact due: last
        (now - 2 * hour, now - hour, None),  # both late: once
        (now + hour, now + 2 * hour, None),  # not late
        (now - 4 * hour, now + hour, now - 5 * hour),  # contacted in time, outcome not due
    ]
    ids = []
    for contact_due, outcome_due, contacted in dues:
        opp = services.opportunity_create(
            actor=crm.world.user("account_a"), source="visit", customer=crm.customers["a_home"]
        )
        Opportunity.objects.filter(pk=opp.pk).update(
            contact_due=contact_due, outcome_due=outcome_due, first_contact_at=contacted
        )
        ids.append(opp.pk)
    user = crm.world.user("manager_a")
    late = [ids[i] for i in (2, 1, 0, 4, 3)]
    for n in (1, 2, 3, 5, 25):
        got = selectors.first_late(selectors.opportunity_list(user=user), n)
        assert [o.pk for o in got] == late[:n]
        assert got[0].site.name  # read whole, with what the board shows
    # The list's overdue filter (the board's 已超时 link) finds the same ones.
    assert {o.pk for o in selectors.opportunity_list(user=user, overdue=True)} == set(late)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager_a", "account_a"])
def test_the_list_sorts_a_busy_grid_from_an_index(crm: CrmWorld, persona: str) -> None:
    """A manager's list (their grids' open ones, overdue first) and a seller's own are
    sorted from an index that holds every column the sort and the filter read: a busy
    grid's fifteen thousand open rows are never looked up one by one to be sorted."""
    grower(crm)(2)
    with CaptureQueriesContext(connection) as ctx:
        page = crm.world.client(persona).get(reverse("sales:opportunity_list"))
    assert page.status_code == 200 and page.context["opportunities"]
    (sort,) = [
        q["sql"] for q in ctx.captured_queries if "CASE WHEN" in q["sql"] and "ORDER BY" in q["sql"]
    ]
    assert " JOIN " not in sort and "LIMIT" in sort
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sort}")
            steps = [str(row[-1]) for row in cursor.fetchall()]
        assert all("COVERING INDEX" in s for s in steps if "sales_opportunity" in s), steps


def _kept() -> list[tuple[Any, ...]]:
    return sorted(
        BoardCount.objects.filter(n__gt=0).values_list(
            "grid_key", "assignee_key", "stage", "dispatch", "n", "value"
        )
    )


@pytest.mark.django_db
def test_the_boards_kept_counts_follow_every_write(crm: CrmWorld, time_machine: Any) -> None:
    """`BoardCount` moves with every write of an opportunity (raised, dispatched, returned,
    accepted, moved, edited, lost): the summary read from it is the one added up from the
    opportunities, late ones included, and a recount finds nothing to correct."""
    time_machine.move_to(clock.now(), tick=False)
    world = crm.world
    seller, manager = world.user("account_a"), world.user("manager_a")
    own = services.opportunity_create(
        actor=seller, source="visit", customer=crm.customers["a_home"]
    )
    leads = [
        services.opportunity_create(
            actor=world.user("tech_a"), source="visit", customer=crm.customers["a_org"]
        )
        for _ in range(2)
    ]
    services.opportunity_create(
        actor=world.user("sales_b"), source="visit", customer=crm.customers["b_home"]
    )
    due = clock.now() + dt.timedelta(hours=1)
    to = world.staff["account_a"]
    one, two = (
        services.opportunity_dispatch(
            actor=manager, opportunity=o, version=o.version, assignee=to, due=due
        )
        for o in leads
    )
    services.opportunity_return(actor=seller, opportunity=two, version=two.version, reason="不对")
    one = services.opportunity_accept(actor=seller, opportunity=one, version=one.version)
    one = services.opportunity_move(
        actor=seller, opportunity=one, stage="proposal", version=one.version
    )
    services.opportunity_update(
        actor=seller, opportunity=one, data={"expected_monthly": Decimal("88.00")},
        version=one.version,
    )  # fmt: skip
    services.opportunity_lose(actor=seller, opportunity=own, reason="price", version=own.version)
    time_machine.shift(dt.timedelta(hours=2))  # `one`'s first contact is late now
    for persona in ("manager_a", "market_admin"):
        user = world.user(persona)
        board = selectors.board(user=user)
        assert board == selectors._board_live(user=user, grid_id=None)
    assert selectors.board(user=manager).overdue == 1
    kept = _kept()
    assert sum(row[4] for row in kept) == 3
    BoardCount.recount()
    assert _kept() == kept
