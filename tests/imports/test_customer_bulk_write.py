"""The customers' bulk write: numbers issued with the ids before the insert, and SQLite's
search index written for the batch with its triggers set aside, then back."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.db import connection, transaction

from tests.crm.world import CrmWorld, build_crm
from tests.imports.sheets import xlsx
from tests.personas import World
from wangge.core.imports import get_spec
from wangge.core.imports.bulk import reserve_ids
from wangge.core.imports.pipeline import run_import
from wangge.crm import search, selectors
from wangge.crm.models import Customer, customer_code

pytestmark = pytest.mark.django_db

HEADERS = ["客户编号", "客户名称", "所属单元", "门牌地址", "联系电话", "客户分类", "负责人"]


def _matches(q: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH %s",
            [search.query(q, phones=True)],
        )
        return {pk for (pk,) in cursor.fetchall()}


def test_new_and_updated_customers_are_numbered_indexed_and_the_triggers_come_back(
    world: World,
) -> None:
    crm: CrmWorld = build_crm(world)
    home = crm.customers["a_home"]
    rows: list[list[Any]] = [
        HEADERS,
        [None, "诸葛亮", "A001", "9栋", "13912340001", "潜在客户", "ACCOUNT_A"],
        ["OP-7", "司马懿", "A002", "8栋", "13912340002", "潜在客户", "ACCOUNT_A"],
        [home.code, "慕容复", None, None, None, None, None],
    ]
    report = run_import(get_spec("households"), world.user("manager_a"), xlsx(rows), commit=True)
    assert report.errors == [] and (report.created, report.updated) == (2, 1)
    liang, yi = Customer.objects.get(name="诸葛亮"), Customer.objects.get(name="司马懿")
    assert liang.code == customer_code(liang.pk) and yi.code == "OP-7"  # the operator's kept
    # The search finds what the bulk write put in (SQLite: the n-gram index written for the
    # batch; PostgreSQL: the trigram and short-piece indexes fed by COPY), by every path.
    manager = world.user("manager_a")

    def found(q: str) -> set[int]:
        return set(selectors.customer_list(user=manager, q=q).values_list("pk", flat=True))

    assert found("诸") >= {liang.pk} and found("诸葛") == found("诸葛亮") == {liang.pk}
    assert found("13912340002") == found("OP-7") == {yi.pk} and found("9栋") >= {liang.pk}
    assert found("慕容") >= {home.pk} and found(home.name) == set()
    # Ids come after every one issued: the next is neither of these.
    with transaction.atomic():
        assert reserve_ids(Customer, 1)[0] > max(liang.pk, yi.pk, home.pk)
    if connection.vendor != "sqlite":
        return
    assert len(search.triggers_present()) == len(search.TRIGGERS)
    assert _matches("诸葛") == {liang.pk} and _matches("OP-7") >= {yi.pk}
    assert home.pk in _matches("慕容") and home.pk not in _matches(home.name)
    # The index equals one built afresh (FTS5's own check first).
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {search.TABLE}({search.TABLE}) VALUES ('integrity-check')")
    kept = {q: _matches(q) for q in ("诸葛", "司马懿", "慕容", "1391234", "KH", "9栋")}
    search.rebuild()
    assert {q: _matches(q) for q in kept} == kept


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the n-gram index is SQLite's")
def test_a_write_that_fails_with_the_triggers_aside_brings_them_back(world: World) -> None:
    crm = build_crm(world)
    home = crm.customers["a_home"]
    with pytest.raises(RuntimeError), transaction.atomic(), search.set_aside([home.pk]):
        assert search.triggers_present() == set()
        Customer.objects.filter(pk=home.pk).update(name="无名氏")
        raise RuntimeError
    assert len(search.triggers_present()) == len(search.TRIGGERS)
    assert home.pk in _matches(home.name) and home.pk not in _matches("无名氏")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="crm_short_grams is PostgreSQL's")
def test_the_short_pieces_function_gives_the_pieces_0018_indexed() -> None:
    """crm 0022 rewrote `crm_short_grams` without rebuilding the indexes built on it: the
    same pieces as 0018's body, as sets (a GIN index keeps each distinct element once)."""
    old = import_module("wangge.crm.migrations.0022_short_grams_plpgsql").SQL_BODY
    texts = ["", "a", "ab", "  ", "aaa", "诸葛亮 9栋2单元", "𠀀字\t\n", "AbAb" * 30, "138-0013"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(old.replace("FUNCTION crm_short_grams", "FUNCTION pg_temp.grams_0018"))
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) AS t WHERE NOT "
            "(crm_short_grams(t) @> pg_temp.grams_0018(t) "
            "AND pg_temp.grams_0018(t) @> crm_short_grams(t))",
            [texts],
        )
        assert cursor.fetchall() == []
        transaction.set_rollback(True)
