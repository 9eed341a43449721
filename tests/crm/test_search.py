"""One search for customers and organisations: the lists and their exports agree."""

from __future__ import annotations

import pytest

from tests.crm.world import PHONES, CrmWorld
from tests.personas import PERSONAS
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.crm import search, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(crm_shared: CrmWorld) -> CrmWorld:
    """The module's tests share one world (`crm_shared`)."""
    return crm_shared


@pytest.mark.parametrize(
    "q", ["王主任", PHONES["a_org"], "第一中学", "客户a_home", "1栋1单元", PHONES["a_home"]]
)
def test_the_customer_list_and_the_organisation_list_find_the_same_group_customers(
    crm: CrmWorld, q: str
) -> None:
    user = crm.world.user("market_admin")
    listed = selectors.customer_list(user=user, q=q, kind="group")
    organisations = selectors.organization_list(user=user, q=q)
    assert {c.pk for c in listed} == {o.customer_id for o in organisations}
    exported, _used = get_spec("organizations").filter_queryset(user, {"q": q, "kind": "group"})
    assert {o.pk for o in exported} == {o.customer_id for o in organisations}


def test_a_group_customer_is_found_by_the_contact_phone_the_list_shows(crm: CrmWorld) -> None:
    org = crm.customers["a_org"]
    found = selectors.customer_list(user=crm.world.user("manager_a"), q=PHONES["a_org"])
    assert [c.pk for c in found] == [org.pk]
    # by its number too, exactly
    assert org.code
    assert [c.pk for c in selectors.customer_list(user=SYSTEM, q=org.code)] == [org.pk]


def test_who_may_not_see_numbers_cannot_search_by_them(crm: CrmWorld) -> None:
    agent = crm.world.user("agent_a")
    assert not selectors.customer_list(user=agent, q=PHONES["a_agent"]).exists()
    assert selectors.customer_list(user=agent, q="客户a_agent").exists()


@pytest.mark.parametrize("q", ["客", "客户", "中学", "王", "1", "13", "栋1", "A_", "_h", "%"])
def test_short_searches_find_what_the_plain_conditions_find(
    crm: CrmWorld, q: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One or two characters: on PostgreSQL through the short pieces' indexes (crm 0018),
    on SQLite through its n-gram index; either way exactly the plain conditions' result."""
    users = {p: crm.world.user(p) for p in PERSONAS}
    found = {p: {c.pk for c in selectors.customer_list(user=u, q=q)} for p, u in users.items()}
    monkeypatch.setattr(search, "short", lambda q: False)
    monkeypatch.setattr(search, "candidates", lambda q, phones: None)
    for persona, user in users.items():
        assert found[persona] == {c.pk for c in selectors.customer_list(user=user, q=q)}, persona
