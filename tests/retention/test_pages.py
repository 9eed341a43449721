"""The retention pages, the today view, the daily log's activity and overdue alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tests.crm.world import CrmWorld
from tests.retention.matrix import collection_task
from wangge.core import clock
from wangge.core import extensions as ext
from wangge.core.models import Notification
from wangge.retention import engine, jobs, services
from wangge.retention.models import CareDue, CareRule, CollectionTask, Contact

pytestmark = pytest.mark.django_db


def _later(days: int) -> Any:
    return time_machine.travel(clock.now() + dt.timedelta(days=days), tick=False)


def test_one_tap_contact_from_the_care_list(crm: CrmWorld) -> None:
    gold = crm.customers["a_org"]
    with _later(20):
        client = crm.world.client("manager_a")  # a session of that day
        engine.refresh()
        page = client.get(reverse("retention:care_list") + "?state=overdue&mine=1")
        assert page.status_code == 200
        assert f'data-customer="{gold.code}"' in page.content.decode()
        services.rule_update(
            actor=crm.world.user("market_admin"),
            rule=CareRule.objects.get(tier="gold"),
            data={"contact_kinds": ["door", "phone"]},
        )
        engine.refresh()
        response = client.post(
            reverse("retention:contact_create", args=[gold.pk]),
            {"kind": "phone", "next": reverse("retention:care_list") + "?state=overdue"},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("retention:care_list") + "?state=overdue"
        assert Contact.objects.filter(customer=gold, kind="phone").count() == 1
        assert CareDue.objects.get(customer=gold).overdue_days == 0
        page = client.get(reverse("retention:care_list") + "?state=overdue")
        assert f'data-customer="{gold.code}"' not in page.content.decode()


def test_a_contact_for_someone_elses_customer_is_404(crm: CrmWorld) -> None:
    response = crm.world.client("sales_b").post(
        reverse("retention:contact_create", args=[crm.customers["a_home"].pk]), {"kind": "phone"}
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_a_contact_leaves_to_no_other_site(crm: CrmWorld) -> None:
    response = crm.world.client("account_a").post(
        reverse("retention:contact_create", args=[crm.customers["a_home"].pk]),
        {"kind": "message", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("retention:care_list")


def test_the_rule_form_refuses_a_zero_period_clearly(crm: CrmWorld) -> None:
    client = crm.world.client("market_admin")
    form = {"name": "每周电话", "mode": "every", "period_days": "0", "min_contacts": "1",
            "contact_kinds": ["phone"], "is_active": "on"}  # fmt: skip
    response = client.post(reverse("retention:rule_create"), form)
    assert response.status_code == 400
    assert "周期必须是正整数天。" in response.content.decode()
    assert not CareRule.objects.filter(name="每周电话").exists()
    response = client.post(reverse("retention:rule_create"), {**form, "period_days": "7"})
    assert response.status_code == 302
    rule = CareRule.objects.get(name="每周电话")
    assert (rule.period_days, rule.contact_kinds) == (7, ["phone"])
    edit = client.post(
        reverse("retention:rule_edit", args=[rule.pk]),
        {**form, "period_days": "-1", "version": rule.version},
    )
    assert edit.status_code == 400
    rule.refresh_from_db()
    assert rule.period_days == 7


def test_an_outcome_from_the_task_page(crm: CrmWorld) -> None:
    task = collection_task(crm)
    client = crm.world.client("account_a")
    url = reverse("retention:collection_detail", args=[task.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"outcome": "refused", "version": task.version})
    assert bad.status_code == 400
    assert "拒绝须填写原因。" in bad.content.decode()
    on = (clock.today() + dt.timedelta(days=3)).isoformat()
    done = client.post(url, {"outcome": "promised", "promised_on": on, "version": task.version})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == "promised"
    assert CollectionTask.objects.filter(parent=task, status="open").count() == 1
    listing = client.get(reverse("retention:collection_list") + "?mine=1")
    assert listing.status_code == 200


def test_rates_page_for_a_manager(crm: CrmWorld) -> None:
    engine.refresh()
    collection_task(crm)
    for by in ("grid", "owner"):
        response = crm.world.client("manager_a").get(reverse("retention:rates") + f"?by={by}")
        assert response.status_code == 200


def test_rates_page_judges_care_over_the_period_asked(crm: CrmWorld) -> None:
    """The gold customer, never visited, was due 15 days after its record: missed."""
    created = clock.local_date(crm.customers["a_org"].created_at)
    start, end = created, created + dt.timedelta(days=20)
    with _later(20):
        client = crm.world.client("manager_a")
        url = reverse("retention:rates") + f"?by=grid&start={start}&end={end}"
        rows = client.get(url).context["period_care"]
        assert [(r.name, r.total, r.done) for r in rows] == [(crm.world.grid_a.name, 1, 0)]
        # A period that ends before it starts: said on the page, the default period shown.
        bad = client.get(reverse("retention:rates") + f"?start={end}&end={start}")
        assert bad.status_code == 200
        assert bad.context["period"].errors
        assert bad.context["end"] == clock.today()


def test_the_today_view_shows_overdue_care_and_due_collections(crm: CrmWorld) -> None:
    manager = crm.world.user("manager_a")
    with _later(20):
        engine.refresh()
        sections = dict((s.key, items) for s, items in ext.today_for(manager, clock.today()))
    labels = [str(i.label) for i in sections["retention"]]
    assert "我的客户维系已逾期" in labels
    account = crm.world.user("account_a")
    task = collection_task(crm)
    CollectionTask.objects.filter(pk=task.pk).update(due_on=clock.today())
    sections = dict((s.key, items) for s, items in ext.today_for(account, clock.today()))
    assert [i.count for i in sections["retention"]] == [1]
    # A technician has no retention section.
    tech = crm.world.user("tech_a")
    assert "retention" not in {s.key for s, _i in ext.today_for(tech, clock.today())}


def test_the_daily_log_hears_of_contacts_and_outcomes(crm: CrmWorld) -> None:
    account = crm.world.user("account_a")
    services.contact_record(actor=account, customer=crm.customers["a_home"], kind="phone")
    task = collection_task(crm)
    services.collection_record(
        actor=account, task=task, outcome="unreachable", version=task.version
    )
    found = dict((s.key, items) for s, items in ext.day_activity_for(account, clock.today()))
    assert len(found["retention"]) == 2
    assert "retention" not in {
        s.key for s, _i in ext.day_activity_for(crm.world.user("manager_a"), clock.today())
    }


def test_overdue_care_alerts_land_once(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    manager = crm.world.user("manager_a")
    with _later(16):
        for _night in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                jobs.care_nightly()
    alerts = Notification.objects.filter(recipient=manager, kind="retention.care_overdue")
    assert alerts.count() == 1
    assert crm.customers["a_org"].name in alerts.get().title
