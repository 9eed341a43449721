"""A technician's inspection round on a phone (390 px): the day's list, check-in with the
phone's position, a defect with its severity and a photo; the manager sees the asset faulty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.personas import World
from tests.service.conftest_assets import PNG, build_assets
from tests.territory_world import build_territory
from wangge.core.access import SYSTEM
from wangge.service.models import Asset, Inspection
from wangge.service.services import inspections as svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def test_a_technician_inspects_on_a_phone_and_reports_a_defect(
    live_server: Any, world: World, browser: Any, tmp_path: Path
) -> None:
    assets = build_assets(build_territory(world, per_grid=4))
    svc.schedule_create(actor=SYSTEM, kind="building_switch", every=1, unit="month")
    svc.inspections_generate()
    sw = assets.a["switch_a"]
    context = browser.new_context(
        **PHONE,
        geolocation={"latitude": sw.lat + 0.0002, "longitude": sw.lon, "accuracy": 10},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    base = live_server.url
    login(page, base, "tech_a")

    page.goto(f"{base}/service/inspections/")
    listing = page.get_by_test_id("inspection-list")
    expect(listing).to_contain_text("SW-A-001")
    listing.get_by_role("link", name="SW-A-001").click()
    page.get_by_test_id("checkin").click()
    expect(page.locator("[data-checkin-status]")).to_have_attribute("data-done", "1")
    severity = page.get_by_label("严重程度")
    expect(severity).to_be_hidden()
    page.get_by_label("有缺陷").check()
    expect(severity).to_be_visible()
    severity.select_option(label="严重")
    page.get_by_label("说明").fill("交换机风扇不转")
    photo = tmp_path / "switch.png"
    photo.write_bytes(PNG)
    page.get_by_label("照片").set_input_files(str(photo))
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.get_by_test_id("inspection-save").click()

    expect(page.get_by_test_id("finding")).to_contain_text("有缺陷（严重）")
    done = Inspection.objects.get(asset=sw)
    assert done.verified and done.photo_type == "image/png" and done.severity == "major"
    assert Asset.objects.get(pk=sw.pk).state == "faulty"

    # The asset map clusters dense points on a screen grid: two points 10 px apart are one
    # marker, a third far away stays alone; opening the map raises no error.
    page.goto(f"{base}/service/assets/")
    sizes = page.evaluate(
        "window.wanggeCluster([{lat: 0, lon: 0}, {lat: 0, lon: 1}, {lat: 0, lon: 100}], 40,"
        " function (lat, lon) { return {x: lon * 10, y: lat * 10}; })"
        ".map(function (c) { return c.members.length; })"
    )
    assert sizes == [2, 1]
    page.locator("[data-asset-map-toggle] summary").click()
    expect(page.locator("#asset-map.leaflet-container")).to_be_visible()
    assert not problems, problems
    context.close()
