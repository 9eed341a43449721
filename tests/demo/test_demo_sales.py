"""The demo county's month of growth work: every stage, dispatches with some overdue,
verified and flagged visits, a campaign, material with a QR lead, and the same twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from wangge.core import clock
from wangge.org.models import User
from wangge.sales import selectors
from wangge.sales.models import (
    Campaign,
    Opportunity,
    OpportunityStep,
    Order,
    PromoInspection,
    PromoPiece,
    Stage,
    Visit,
)

pytestmark = pytest.mark.django_db


def _demo(*args: str) -> None:
    call_command("demo", "--grids", "3", "--crm-scale", "0.02", *args, stdout=StringIO())


def test_a_living_month_of_growth_work() -> None:
    _demo("--sales-scale", "0.5")
    now = clock.now()
    opps = Opportunity.objects.all()
    assert set(opps.values_list("stage", flat=True)) == set(Stage.values)
    assert set(opps.values_list("kind", flat=True)) == set(Opportunity.Kind.values)
    assert len(set(opps.values_list("source", flat=True))) >= 5
    assert not opps.filter(stage=Stage.LOST, lost_reason="").exists()
    winbacks = opps.filter(kind=Opportunity.Kind.WINBACK)
    assert not winbacks.filter(competitor__isnull=True).exists()
    # Won ones are orders with their subscription in crm.
    assert Order.objects.count() == opps.filter(stage=Stage.WON).count() > 0
    # The history is on the month's timeline, in order, and none of it in the future.
    steps = OpportunityStep.objects.all()
    assert not steps.filter(at__gt=now).exists()
    assert steps.filter(at__lt=now - dt.timedelta(days=14)).exists()
    for opp in opps.filter(stage=Stage.WON)[:20]:
        times = list(opp.steps.order_by("id").values_list("at", flat=True))
        assert times == sorted(times), opp.code
        assert times[0] == opp.created_at
    dispatch = Counter(opps.values_list("dispatch", flat=True))
    for state in ("pending", "accepted", "returned"):
        assert dispatch[state] > 0, state
    assert opps.filter(selectors.overdue_q(now)).exists()
    assert steps.filter(kind="return").exclude(note="").exists()
    assert steps.filter(kind="dispatch_grid").exists()
    # A hand-over's due time is the one given then: hours to two days after it, as the
    # record's own contact_due says (not a month later, from when the demo was loaded).
    for step in steps.filter(kind__in=("dispatch", "dispatch_grid"))[:50]:
        assert step.due is not None and step.at < step.due <= step.at + dt.timedelta(days=2)

    doors = Visit.objects.filter(kind=Visit.Kind.DOOR)
    assert doors.filter(verified=True).exists()
    flags = Counter(f for fs in doors.values_list("flags", flat=True) for f in fs)
    assert flags[Visit.Flag.TOO_FAR] and flags[Visit.Flag.NO_POSITION], flags
    assert Visit.objects.filter(kind=Visit.Kind.PHONE).exists()
    assert Visit.objects.filter(opportunity__isnull=False).exists()
    assert Visit.objects.filter(next_on=clock.today()).exists()
    assert not Visit.objects.filter(at__gt=now).exists()

    campaign = Campaign.objects.first()
    assert campaign is not None and campaign.members.count() >= 2
    assert campaign.opportunities.exists()
    assert PromoPiece.objects.count() >= 3
    assert PromoInspection.objects.filter(finding="damaged").exists()
    leads = opps.filter(source=Opportunity.Source.PROMOTION_QR)
    assert leads.count() >= 2 and not leads.filter(assignee__isnull=False).exists()
    assert leads.values("piece").distinct().count() == 1
    # The month shows where the demo logins land: their today view (one load for both
    # checks: a demo load is the slowest thing in the suite).
    _assert_logins_have_growth_work_today()


def _assert_logins_have_growth_work_today() -> None:
    for username, wanted in (("manager", "待派单的商机"), ("account", "今天要跟进的拜访")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        page = client.get("/").content.decode()
        assert "增量营销" in page, username
        assert wanted in page, username


def _shape() -> dict[str, Any]:
    opps = Opportunity.objects.all()
    return {
        "stages": Counter(opps.values_list("stage", flat=True)),
        "kinds": Counter(opps.values_list("kind", flat=True)),
        "dispatch": Counter(opps.values_list("dispatch", flat=True)),
        "steps": Counter(OpportunityStep.objects.values_list("kind", flat=True)),
        "verified": Counter(Visit.objects.values_list("verified", flat=True)),
        "orders": Order.objects.count(),
        "pieces": PromoPiece.objects.count(),
        "inspections": Counter(PromoInspection.objects.values_list("finding", flat=True)),
        "campaigns": Campaign.objects.count(),
    }


def test_the_same_seed_gives_the_same_month() -> None:
    _demo("--sales-scale", "0.3")
    first = _shape()
    assert first["orders"] > 0
    _demo("--sales-scale", "0.3", "--reset")
    assert _shape() == first


def test_a_small_county_gets_only_a_little_growth_work() -> None:
    _demo()  # --sales-scale follows --crm-scale (0.02)
    assert Opportunity.objects.count() <= 5
    assert not Campaign.objects.exists()
