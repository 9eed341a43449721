"""The customer search's n-gram index (SQLite, `wangge.crm.search`): what it finds is
exactly what the plain `icontains` search finds, after every kind of write, and it only
narrows the scoped list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.crm.world import CrmWorld
from tests.imports.sheets import xlsx
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.crm import search, selectors, services
from wangge.crm.apps import _search_triggers_off, _search_triggers_on
from wangge.crm.models import Customer, Organization

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the n-gram index is SQLite's"),
]

#: Pieces of names, addresses, phones and numbers; one, two, three and more characters;
#: ASCII in both cases, LIKE's own wildcards, a space, and what nobody has.
QUERIES = [
    "李", "李建", "李建国", "建国", "国", "欧阳", "欧阳娜娜", "娜",
    "1", "13", "138", "8001", "13800008001", "0739-27", "-", "+86",
    "栋", "3栋", "3栋2单元", "单元1203", "1203",
    "kh", "KH0", "yx-3", "YX-3", "Yx-3", "abc", "ABC", "aBc D", "%", "_", "50%",
    "王主任", "第一中学", "中学", "学", "王", "张", "无此人", "ß", "Ä",
]  # fmt: skip


def _ids(user: Any, q: str) -> set[int]:
    return set(selectors.customer_list(user=user, q=q).values_list("pk", flat=True))


def _plain(monkeypatch: pytest.MonkeyPatch, user: Any, q: str) -> set[int]:
    """The search without its index: `icontains` and friends over the scoped list."""
    with monkeypatch.context() as m:
        m.setattr(search, "candidates", lambda *a, **k: None)
        return _ids(user, q)


def _varied(crm: CrmWorld) -> None:
    home = crm.customers["a_home"]
    people = [
        ("李建国", "3栋2单元1203", "13812345678", None),
        ("欧阳娜娜", "12号", "0739-2712345", "YX-3"),
        ("Abc Dong", "aBc D 座", "+86 139 0000 1111", "abc"),
        ("王50%_折扣", "1栋", "", None),
        ("张ß", "Ärger 路", "150", None),
    ]
    for name, address, phone, code in people:
        services.customer_create(
            actor=SYSTEM, site=home.site, name=name, owner=home.owner,
            relationship="potential", address=address, phone=phone, code=code,
        )  # fmt: skip


def _named(queries: list[str]) -> dict[str, set[int]]:
    """The customers the index names for each search."""
    with connection.cursor() as cursor:
        found = {}
        for q in queries:
            cursor.execute(
                f"SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH %s",
                [search.query(q, phones=True)],
            )
            found[q] = {pk for (pk,) in cursor.fetchall()}
        return found


def _same(crm: CrmWorld, monkeypatch: pytest.MonkeyPatch, queries: list[str]) -> None:
    """Each persona's search equals the plain one, and the index kept by the triggers
    equals one built afresh from the rows (and is sound: FTS5's own check)."""
    for persona in ("market_admin", "manager_a", "account_a", "agent_a"):
        user = crm.world.user(persona)
        for q in queries:
            assert _ids(user, q) == _plain(monkeypatch, user, q), (persona, q)
    kept = _named(queries)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {search.TABLE}({search.TABLE}) VALUES ('integrity-check')")
    search.rebuild()
    assert _named(queries) == kept


def test_the_index_finds_what_icontains_finds(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _varied(crm)
    admin = crm.world.user("market_admin")
    assert search.candidates("李", phones=True) is not None  # the index is asked
    assert _ids(admin, "李建国") and _ids(admin, "yx-3") and _ids(admin, "50%")
    _same(crm, monkeypatch, QUERIES)


def test_a_search_nearly_everyone_matches_is_left_to_the_plain_conditions(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _varied(crm)
    monkeypatch.setattr(search, "DENSE", 2)
    assert search.candidates("1", phones=True) is None
    assert search.candidates("欧阳娜娜", phones=True) is not None
    _same(crm, monkeypatch, ["1", "栋", "欧阳娜娜", "李"])


def test_edits_renames_and_contacts_are_found_by_their_new_words_only(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = crm.world.user("market_admin")
    home = crm.customers["a_home"]
    services.customer_update(
        actor=SYSTEM, customer=home, data={"name": "司马光", "phone": "17700001234"}
    )
    org = Organization.objects.get(pk=crm.org.pk)
    services.organization_update(
        actor=SYSTEM, organization=org, data={"contact_name": "诸葛亮", "name": "卧龙中学"}
    )
    assert _ids(admin, "司马") == {home.pk}
    assert _ids(admin, "0000123") == {home.pk}
    assert _ids(admin, "诸葛") == {org.pk}
    assert _ids(admin, "卧龙") == {org.pk}
    assert not _ids(admin, "王主任") and not _ids(admin, "第一中学")
    _same(crm, monkeypatch, ["司马光", "诸葛亮", "卧龙", "王主任", "第一中学", "1", "学"])


def test_deleted_customers_and_surveys_leave_the_index(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = crm.world.user("market_admin")
    org = crm.org
    Organization.objects.filter(pk=org.pk).delete()
    assert not _ids(admin, "王主任")  # the survey's contact went with it
    assert org.customer_id in _ids(admin, "第一中学")  # the customer's own name stays
    gone = crm.customers["b_home"]
    pk, name = gone.pk, gone.name
    gone.subscriptions.all().delete()
    gone.delete()
    assert pk not in _ids(admin, name)
    # The id comes back as another customer: only its own words find it.
    Customer.objects.create(
        pk=pk, kind="household", name="新来的", site=crm.customers["a_home"].site,
        owner=crm.customers["a_home"].owner, relationship="potential",
    )  # fmt: skip
    assert _ids(admin, "新来") == {pk}
    assert pk not in _ids(admin, name)
    _same(crm, monkeypatch, [name, "新来的", "王主任", "第一中学"])


def test_a_bulk_import_and_its_numbers_are_in_the_index(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = ["客户编号", "客户名称", "所属单元", "门牌地址", "联系电话", "客户分类", "负责人"]
    a_home = crm.customers["a_home"]
    rows: list[list[Any]] = [
        headers,
        [None, "欧阳修", "A001", "9栋", "13912340001", "潜在客户", "ACCOUNT_A"],
        [None, "欧阳询", "A002", "8栋", "13912340002", "潜在客户", "ACCOUNT_A"],
        [a_home.code, "上官婉儿", None, None, None, None, None],
    ]
    manager = crm.world.user("manager_a")
    report = run_import(get_spec("households"), manager, xlsx(rows), commit=True)
    assert report.errors == [] and (report.created, report.updated) == (2, 1)
    admin = crm.world.user("market_admin")
    new = Customer.objects.filter(name__startswith="欧阳")
    assert _ids(admin, "欧阳") == {c.pk for c in new}
    for c in new:  # numbers issued in bulk (one UPDATE per batch) are found exactly
        assert c.code and _ids(admin, c.code.lower()) == {c.pk}
    assert _ids(admin, "上官") == {a_home.pk}
    _same(crm, monkeypatch, ["欧阳", "上官婉儿", "1391234", "9栋", "KH"])


def test_the_search_narrows_the_scoped_list_and_never_widens_it(crm: CrmWorld) -> None:
    b_home = crm.customers["b_home"]
    manager_a, manager_b = crm.world.user("manager_a"), crm.world.user("manager_b")
    assert b_home.pk in _ids(manager_b, b_home.name)
    assert b_home.pk not in _ids(manager_a, b_home.name)
    assert b_home.pk not in _ids(crm.world.user("agent_a"), b_home.name)


def test_migrations_set_the_triggers_aside_and_rebuild_the_index_after(crm: CrmWorld) -> None:
    from django.apps import apps

    config = apps.get_app_config("crm")
    plan = [(type("M", (), {"app_label": "crm"})(), False)]
    _search_triggers_off(config, using="default", plan=plan)
    assert search.triggers_present() == set()
    # A write while a migration runs reaches no trigger…
    home = crm.customers["a_home"]
    Customer.objects.filter(pk=home.pk).update(name="慕容复")
    _search_triggers_on(config, using="default")
    # …and is in the index once the migrations are done.
    assert len(search.triggers_present()) == len(search.TRIGGERS)
    assert _ids(crm.world.user("market_admin"), "慕容") == {home.pk}
    # Other apps' migrations leave the triggers alone.
    other = [(type("M", (), {"app_label": "org"})(), False)]
    _search_triggers_off(config, using="default", plan=other)
    assert len(search.triggers_present()) == len(search.TRIGGERS)


def test_the_query_asks_for_every_three_characters_of_a_long_search() -> None:
    assert search.query("李", phones=False) == "(tE69D8E) OR cE69D8E"
    assert search.query("ab", phones=True) == "(t4142) OR (p4142) OR c4142"
    assert search.query("abcd", phones=False) == "(t414243 AND t424344) OR c41424344"
    assert "c" + "41" * 33 not in search.query("a" * 33, phones=False)
