"""The market department imports an estates survey sheet from the site list, in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.imports.sheets import read, xlsx
from tests.personas import World
from tests.territory_world import build_territory
from wangge.core.models import ImportJob
from wangge.territory.models import Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["编码", "小区名称", "详细地址", "总户数", "物业联系电话", "经度", "纬度"]


def test_market_admin_uploads_previews_and_commits_an_estates_sheet(
    live_server: Any, world: World, browser: Any, tmp_path: Path
) -> None:
    build_territory(world, per_grid=2)
    # Excel rows: 1 the title, 2 the header, 3–6 the data; row 5 is the bad one.
    sheet = tmp_path / "小区摸底表.xlsx"
    sheet.write_bytes(
        xlsx(
            [
                HEADER,
                ["N1", "东湖花园", "东湖路 18 号", "480", "138-0013-8000", 111.705, 27.205],
                ["N2", "西湖小区", "西湖路 2 号", 300, "+86 139 0013 9000", 111.706, 27.206],
                ["N9", "坏数据小区", "南湖路 9 号", "很多", "13700137000", 111.707, 27.207],
                ["N3", "南湖小区", None, "1,200", None, 111.708, 27.208],
            ],
            before=[["2025 年两市塘街道小区摸底表"]],
            merges=["A1:G1"],
        )
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, live_server.url, "market_admin")

    page.goto(f"{live_server.url}/territory/sites/?kind=estate")
    page.get_by_test_id("import-estates").click()
    expect(page.get_by_label("数据类型")).to_have_value("estates")
    page.get_by_label("Excel 文件").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并校验").click()

    # The preview: nothing written yet, three to create, row 5 named with its column.
    expect(page.get_by_test_id("status")).to_have_text("待确认")
    expect(page.get_by_test_id("created")).to_have_text("3")
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    errors = page.get_by_test_id("error-lines").locator("li")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("第 5 行，总户数：")
    expect(page.get_by_test_id("preview")).to_contain_text("东湖花园")
    assert not Site.objects.filter(code__in=["N1", "N2", "N3", "N9"]).exists()

    with page.expect_download() as download:
        page.get_by_test_id("error-sheet").click()
    rows = read(Path(download.value.path()).read_bytes())
    header = next(r for r in rows if r and r[0] == "编码")
    marked = {r[0]: r[header.index("错误")] for r in rows[rows.index(header) + 1 :]}
    assert "总户数" in str(marked["N9"]) and not marked["N1"] and not marked["N3"]

    page.get_by_test_id("commit").get_by_role("button").click()
    expect(page.get_by_test_id("status")).to_have_text("已导入")
    expect(page.get_by_test_id("summary").get_by_role("heading")).to_have_text("已导入")
    expect(page.get_by_test_id("created")).to_have_text("3")

    assert set(Site.objects.filter(code__startswith="N").values_list("code", flat=True)) == {
        "N1", "N2", "N3"}  # fmt: skip
    n1 = Site.objects.get(code="N1")
    assert (n1.households, n1.kind, n1.grid_id) == (480, Site.Kind.ESTATE, world.grid_a.pk)
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    context.close()
