"""What the import sheets say: the template's file name, the error column in the page's
language, and the columns required only when a row creates a record."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.functional import Promise

from tests.imports.sheets import read
from tests.personas import World
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import template_workbook
from wangge.core.imports.workbooks import ERROR_HEADER
from wangge.crm.imports.customers import REQUIRED_ON_CREATE

pytestmark = pytest.mark.django_db


def _filename(response: HttpResponseBase) -> str:
    header = response["Content-Disposition"]
    return unquote(header.split("filename*=utf-8''", 1)[-1])


def test_the_template_file_name_separates_label_and_suffix(world: World) -> None:
    client = world.client("market_admin")
    response = client.get(reverse("core:import_template", args=["households"]))
    assert response.status_code == 200
    assert _filename(response) == "家庭客户-模板.xlsx"


def test_the_error_column_is_translated_with_the_page() -> None:
    # Lazy: written in the language of the request that downloads the error sheet.
    assert isinstance(ERROR_HEADER, Promise) and ERROR_HEADER == "错误"


def _required(kind: str) -> dict[str, str]:
    rows = read(template_workbook(get_spec(kind)), sheet=1)
    return {r[0]: r[1] for r in rows[1:] if r and r[0] and r[1]}


def test_create_only_columns_say_so_in_the_template() -> None:
    on = "新建时必填"
    customer = {"所属单元": on, "客户分类": on, "负责人": on}
    assert _required("households") == {"客户名称": on, **customer}
    assert _required("organizations") == {"集团单位名称": on, **customer}
    assert _required("subscriptions") == {
        "业务账号": "是",
        "客户编号": on,
        "资费套餐": on,
        "开通日期": on,
    }
    offers = _required("competitor-offers")
    assert offers["资费（元）"] == on and offers["所属单元"] == "是"


def test_the_flag_and_the_rule_name_the_same_customer_columns() -> None:
    for kind in ("households", "organizations"):
        flagged = {c.key for c in get_spec(kind).columns if c.required_on_create}
        assert flagged == set(REQUIRED_ON_CREATE), kind
