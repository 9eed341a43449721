"""A customer's timeline: its changes and those of its survey, contacts and subscriptions,
with notes, newest first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.crm import services
from wangge.crm.models import Contact
from wangge.crm.timeline import customer_timeline

pytestmark = pytest.mark.django_db


def test_the_timeline_gathers_everything_about_a_customer(crm: CrmWorld) -> None:
    user = crm.world.user("manager_a")
    org = crm.org
    services.organization_update(actor=user, organization=org, data={"computers": 150})
    contact = services.contact_create(actor=user, customer=org.customer, name="网管小李")
    services.contact_delete(actor=user, contact=Contact.objects.get(pk=contact.pk))
    services.note_create(actor=user, customer=org.customer, text="约了下周演示千兆")
    services.customer_verify(actor=user, customer=org.customer)
    entries = customer_timeline(user=user, customer=org.customer)
    kinds = [(e.kind, e.subject) for e in entries]
    assert kinds[:2] == [("verify", "客户"), ("verify", "集团客户")] or kinds[:2] == [
        ("verify", "集团客户"),
        ("verify", "客户"),
    ]
    assert ("note", "备注") in kinds
    assert ("delete", "联系人") in kinds and ("create", "联系人") in kinds
    change = next(e for e in entries if e.kind == "update" and e.subject == "集团客户")
    assert [(c.label, c.before, c.after) for c in change.changes] == [("单位现有电脑数", 120, 150)]
    assert ("create", "集团客户") in kinds and ("create", "客户") in kinds
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_the_timeline_shows_choice_labels_on_the_page(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    services.customer_update(actor=SYSTEM, customer=c, data={"relationship": "intended"})
    services.subscription_update(
        actor=SYSTEM, subscription=crm.subscriptions["a_home"], data={"status": "suspended"}
    )
    html = (
        crm.world.client("account_a")
        .get(reverse("crm:customer_detail", args=[c.pk]))
        .content.decode()
    )
    assert '客户分类：<span class="muted">存量</span> → 意向' in html
    assert "暂停" in html


def test_a_note_is_added_from_the_page(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    client = crm.world.client("tech_a")
    client.post(reverse("crm:note_create", args=[c.pk]), {"text": "光猫已更换"})
    html = client.get(reverse("crm:customer_detail", args=[c.pk])).content.decode()
    assert "光猫已更换" in html
    response = crm.world.client("sales_b").post(
        reverse("crm:note_create", args=[c.pk]), {"text": "x"}
    )
    assert response.status_code == 404
