"""Sales rules in the services: raising, the stage ladder, dispatch, escalation, visits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.services import StaleVersion
from wangge.crm.models import Customer
from wangge.sales import services
from wangge.sales.models import Opportunity, OpportunityStep, Stage, Visit
from wangge.sales.services.opportunities import allowed_moves


def _raise(crm: CrmWorld, persona: str = "account_a", key: str = "a_home") -> Opportunity:
    return services.opportunity_create(
        actor=crm.world.user(persona),
        source=Opportunity.Source.PHONE,
        customer=crm.customers[key],
    )


def _dispatched(crm: CrmWorld, hours: int = 4) -> Opportunity:
    """A technician's lead, dispatched by grid A's manager to account_a, due in `hours`."""
    lead = _raise(crm, "tech_a")
    return services.opportunity_dispatch(
        actor=crm.world.user("manager_a"),
        opportunity=lead,
        version=lead.version,
        assignee=crm.world.staff["account_a"],
        due=clock.now() + dt.timedelta(hours=hours),
    )


def test_a_seller_keeps_what_they_raise_a_technician_passes_it_to_the_board(
    crm: CrmWorld,
) -> None:
    own = _raise(crm)
    assert own.assignee == crm.world.staff["account_a"]
    assert own.dispatch == Opportunity.Dispatch.ACCEPTED
    lead = _raise(crm, "tech_a")
    assert lead.assignee is None and lead.dispatch == Opportunity.Dispatch.NONE
    assert lead.grid == crm.world.grid_a and lead.code == f"SJ{lead.pk:08d}"


def test_nobody_raises_on_another_grids_site(crm: CrmWorld) -> None:
    with pytest.raises(PermissionDenied):
        services.opportunity_create(
            actor=crm.world.user("sales_b"),
            source=Opportunity.Source.VISIT,
            site=crm.customers["a_home"].site,
        )
    assert not Opportunity.objects.exists()


def test_the_ladder_moves_one_step_and_lost_can_be_reopened() -> None:
    assert allowed_moves(Stage.NEED) == [Stage.PROPOSAL]
    assert allowed_moves(Stage.PROPOSAL) == [Stage.NEED, Stage.CONFIRMED]
    assert allowed_moves(Stage.ORDERED) == [Stage.CONFIRMED]
    assert allowed_moves(Stage.LOST) == [Stage.NEED]
    assert allowed_moves(Stage.WON) == []


def test_losing_needs_a_reason_and_reopening_clears_it(crm: CrmWorld) -> None:
    opp = _raise(crm)
    actor = crm.world.user("account_a")
    with pytest.raises(ValidationError):
        services.opportunity_lose(actor=actor, opportunity=opp, reason="", version=opp.version)
    lost = services.opportunity_lose(
        actor=actor, opportunity=opp, reason="price", note="嫌贵", version=opp.version
    )
    assert lost.stage == Stage.LOST and lost.closed_at is not None
    again = services.opportunity_move(
        actor=actor, opportunity=lost, stage=Stage.NEED, version=lost.version
    )
    assert again.stage == Stage.NEED and again.lost_reason == "" and again.closed_at is None


def test_winning_a_lead_without_a_customer_registers_one(crm: CrmWorld) -> None:
    site = crm.customers["a_home"].site
    lead = services.opportunity_create(
        actor=crm.world.user("account_a"),
        source=Opportunity.Source.REFERRAL,
        site=site,
        contact_name="赵六",
        contact_phone="13912345678",
    )
    for stage in (Stage.PROPOSAL, Stage.CONFIRMED):
        lead = services.opportunity_move(
            actor=SYSTEM, opportunity=lead, stage=stage, version=lead.version
        )
    order = services.opportunity_win(
        actor=crm.world.user("account_a"), opportunity=lead, plan=crm.plan_bb, version=lead.version
    )
    customer = Customer.objects.get(pk=order.subscription.customer_id)
    assert customer.name == "赵六" and customer.phone == "13912345678"
    assert customer.owner == crm.world.staff["account_a"]
    assert customer.relationship == Customer.Relationship.NEW
    lead.refresh_from_db()
    assert lead.customer == customer and lead.stage == Stage.WON


def test_a_sale_cannot_be_won_before_it_is_confirmed(crm: CrmWorld) -> None:
    opp = _raise(crm)
    with pytest.raises(ValidationError):
        services.opportunity_win(
            actor=crm.world.user("account_a"), opportunity=opp, plan=crm.plan_bb, version=1
        )
    assert (
        not crm.customers["a_home"]
        .subscriptions.filter(plan=crm.plan_bb)
        .exclude(pk=crm.subscriptions["a_home"].pk)
        .exists()
    )


def test_two_managers_dispatching_at_once_one_wins(crm: CrmWorld) -> None:
    lead = _raise(crm, "tech_a")
    seen_by_manager = Opportunity.objects.get(pk=lead.pk)
    seen_by_admin = Opportunity.objects.get(pk=lead.pk)
    due = clock.now() + dt.timedelta(hours=2)
    services.opportunity_dispatch(
        actor=crm.world.user("manager_a"),
        opportunity=seen_by_manager,
        version=seen_by_manager.version,
        assignee=crm.world.staff["account_a"],
        due=due,
    )
    with pytest.raises(StaleVersion):
        services.opportunity_dispatch(
            actor=crm.world.user("market_admin"),
            opportunity=seen_by_admin,
            version=seen_by_admin.version,
            assignee=crm.world.staff["agent_a"],
            due=due,
        )
    lead.refresh_from_db()
    assert lead.assignee == crm.world.staff["account_a"]
    assert lead.steps.filter(kind=OpportunityStep.Kind.DISPATCH).count() == 1


def test_only_the_market_department_dispatches_to_a_grid(crm: CrmWorld) -> None:
    lead = _raise(crm, "tech_a")
    due = clock.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.opportunity_dispatch(
            actor=crm.world.user("manager_a"),
            opportunity=lead,
            version=lead.version,
            grid=crm.world.grid_b,
            due=due,
        )
    moved = services.opportunity_dispatch(
        actor=crm.world.user("market_admin"),
        opportunity=lead,
        version=lead.version,
        grid=crm.world.grid_b,
        due=due,
    )
    assert moved.grid == crm.world.grid_b and moved.dispatch == Opportunity.Dispatch.TO_GRID
    # Now on grid B's board: A's manager may no longer hand it out.
    with pytest.raises(PermissionDenied):
        services.opportunity_dispatch(
            actor=crm.world.user("manager_a"),
            opportunity=moved,
            version=moved.version,
            assignee=crm.world.staff["account_a"],
            due=due,
        )


def test_return_puts_it_back_on_the_board_with_the_reason(crm: CrmWorld) -> None:
    lead = _dispatched(crm, hours=3)
    with pytest.raises(ValidationError):
        services.opportunity_return(
            actor=crm.world.user("account_a"), opportunity=lead, version=lead.version, reason=" "
        )
    back = services.opportunity_return(
        actor=crm.world.user("account_a"), opportunity=lead, version=lead.version, reason="客户搬走"
    )
    assert back.assignee is None and back.dispatch == Opportunity.Dispatch.RETURNED
    assert back.steps.get(kind=OpportunityStep.Kind.RETURN).note == "客户搬走"


def test_unanswered_dispatches_are_escalated_once(crm: CrmWorld) -> None:
    start = clock.now()
    with time_machine.travel(start, tick=False):
        lead = _dispatched(crm, hours=4)
    assert services.escalate_overdue() == 0
    with time_machine.travel(start + dt.timedelta(hours=5), tick=False):
        assert services.escalate_overdue() == 1
        assert services.escalate_overdue() == 0
    lead.refresh_from_db()
    assert lead.escalated_at is not None
    assert lead.steps.filter(kind=OpportunityStep.Kind.ESCALATE).count() == 1


def test_a_visit_on_a_dispatched_opportunity_is_its_first_contact(crm: CrmWorld) -> None:
    lead = _dispatched(crm)
    services.visit_record(
        actor=crm.world.user("account_a"),
        kind=Visit.Kind.PHONE,
        outcome=Visit.Outcome.INTERESTED,
        customer=crm.customers["a_home"],
        opportunity=lead,
    )
    lead.refresh_from_db()
    assert lead.first_contact_at is not None
    with time_machine.travel(clock.now() + dt.timedelta(hours=5), tick=False):
        assert services.escalate_overdue() == 0


def test_an_unverified_door_visit_is_kept_and_flagged(crm: CrmWorld) -> None:
    visit = services.visit_record(
        actor=crm.world.user("account_a"),
        kind=Visit.Kind.DOOR,
        outcome=Visit.Outcome.NOT_HOME,
        customer=crm.customers["a_home"],
    )
    assert visit.pk and not visit.verified and visit.flags == ["no_position"]
    assert visit.grid == crm.world.grid_a


def test_a_follow_up_date_in_the_past_is_refused(crm: CrmWorld) -> None:
    with pytest.raises(ValidationError):
        services.visit_record(
            actor=crm.world.user("account_a"),
            kind=Visit.Kind.PHONE,
            outcome=Visit.Outcome.FOLLOW_UP,
            customer=crm.customers["a_home"],
            next_on=clock.today() - dt.timedelta(days=1),
        )
    assert not Visit.objects.exists()


def test_group_customers_are_proposed_to_sales_marketers(crm: CrmWorld) -> None:
    lead_b = services.opportunity_create(
        actor=SYSTEM, source=Opportunity.Source.DISPATCH, customer=crm.customers["b_home"]
    )
    # b_home's owner (sales_b) is in grid B: a household goes to its owner.
    assert services.suggested_assignee(lead_b) == crm.world.staff["sales_b"]
    group = services.opportunity_create(
        actor=SYSTEM, source=Opportunity.Source.DISPATCH, customer=crm.customers["a_org"]
    )
    # Grid A has no sales marketer: the account marketer is the next in line.
    assert services.suggested_assignee(group) == crm.world.staff["account_a"]


def test_the_day_plan_is_in_walking_order(crm: CrmWorld) -> None:
    sites = list(crm.t.sites_a)
    shuffled = [sites[3], sites[0], sites[2], sites[1]]
    plan = services.day_plan_set(
        actor=crm.world.user("account_a"), day=clock.today(), sites=shuffled
    )
    stops = [s.site for s in plan.stops.order_by("position")]
    assert sorted(s.pk for s in stops) == sorted(s.pk for s in sites[:4])
    assert stops[0] == sites[3]  # starts where the person said first
    with pytest.raises(ValidationError):
        services.day_plan_set(
            actor=crm.world.user("account_a"),
            day=clock.today() - dt.timedelta(days=1),
            sites=sites[:2],
        )


def _supervise(crm: CrmWorld, persona: str, agent: str | None = "agent_a", **kw: object) -> Visit:
    return services.visit_record(
        actor=crm.world.user(persona),
        kind=kw.pop("kind", Visit.Kind.SUPERVISION),  # type: ignore[arg-type]
        outcome=Visit.Outcome.SERVED,
        site=crm.t.sites_a[1],
        agent=crm.world.staff[agent] if agent else None,
    )


def test_managers_supervise_their_grids_agents(crm: CrmWorld) -> None:
    visit = _supervise(crm, "manager_a")
    assert visit.agent == crm.world.staff["agent_a"] and visit.flags == ["no_position"]
    with pytest.raises(PermissionDenied):
        _supervise(crm, "account_a")  # marketers do not supervise channels
    with pytest.raises(ValidationError):
        _supervise(crm, "manager_b")  # agent_a is not in grid B
    with pytest.raises(ValidationError):
        _supervise(crm, "manager_a", agent="account_a")  # not an agent
    with pytest.raises(ValidationError):
        _supervise(crm, "manager_a", agent=None)
    with pytest.raises(ValidationError):
        _supervise(crm, "manager_a", kind=Visit.Kind.DOOR)  # an agent only on supervision
    assert Visit.objects.count() == 1


def test_a_seller_working_an_unheld_opportunity_takes_it(crm: CrmWorld) -> None:
    lead = _raise(crm, "tech_a")  # on the board, nobody holds it
    moved = services.opportunity_move(
        actor=crm.world.user("account_a"), opportunity=lead, stage=Stage.PROPOSAL, version=1
    )
    assert moved.assignee == crm.world.staff["account_a"]
    assert moved.dispatch == Opportunity.Dispatch.ACCEPTED
    kinds = list(moved.steps.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "accept", "stage"]
    # The manager stepping in on a held one does not take it over.
    again = services.opportunity_move(
        actor=crm.world.user("manager_a"),
        opportunity=moved,
        stage=Stage.NEED,
        version=moved.version,
    )
    assert again.assignee == crm.world.staff["account_a"]
