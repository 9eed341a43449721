"""A create or edit naming a customer number answers the same whether the number belongs to a
customer the user sees, to one in another grid, or to nobody: nothing is learnt about records
out of scope."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.crm.world import CrmWorld

pytestmark = pytest.mark.django_db

NO_SUCH = "没有这个客户编号（KH 开头的编号由系统发放）；新客户请留空"


def create(crm: CrmWorld, code: str) -> Any:
    w = crm.world
    body = {
        "site_id": crm.t.sites_a[3].pk,
        "name": "新住户",
        "owner_id": w.staff["account_a"].pk,
        "status": "potential",
        "code": code,
    }
    return w.api("account_a").post(
        "/api/crm/customers", data=json.dumps(body), content_type="application/json"
    )


def errors(response: Any) -> list[tuple[list[Any], str]]:
    assert response.status_code == 400, response.content
    return [(e["loc"], e["msg"]) for e in response.json()["errors"]]


def test_create_naming_our_number_answers_alike_for_other_grid_own_grid_and_missing(
    crm: CrmWorld,
) -> None:
    other_grid = crm.customers["b_home"].code  # account_a cannot see it
    own_grid = crm.customers["a_home"].code
    missing = "KH09999999"
    assert other_grid and own_grid
    answers = {code: errors(create(crm, code)) for code in (other_grid, own_grid, missing)}
    assert set(map(str, answers.values())) == {str([(["body", "code"], NO_SUCH)])}


def test_edit_to_another_grids_number_answers_like_a_missing_number(crm: CrmWorld) -> None:
    w = crm.world
    mine = crm.customers["a_home"]
    client = w.api("account_a")

    def patch(code: str) -> Any:
        return client.patch(
            f"/api/crm/customers/{mine.pk}",
            data=json.dumps({"code": code}),
            content_type="application/json",
        )

    other_grid = crm.customers["b_home"].code
    assert other_grid and mine.code
    assert errors(patch(other_grid)) == errors(patch("KH09999999"))
    assert patch(mine.code).status_code == 200  # its own number, unchanged, is fine


def test_a_taken_operator_number_reads_the_same_in_and_out_of_scope(crm: CrmWorld) -> None:
    w = crm.world
    s = crm.customers
    admin = w.api("market_admin")
    for key, number in (("a_home", "2024-A-1"), ("b_home", "2024-B-1")):
        response = admin.patch(
            f"/api/crm/customers/{s[key].pk}",
            data=json.dumps({"code": number}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    taken_in_scope = errors(create(crm, "2024-A-1"))
    taken_elsewhere = errors(create(crm, "2024-B-1"))
    assert taken_in_scope == taken_elsewhere
