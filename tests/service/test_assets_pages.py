"""The asset and inspection pages: what they show, the map layer, a technician's round
on a phone (the form posts a check-in, a photo and a finding), the site panel, the today
view and the daily log, and list pages that cost the same with more rows."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.querybudget import assert_flat
from tests.service.conftest_assets import *  # noqa: F403
from tests.service.conftest_assets import PNG, AssetWorld
from wangge.core import clock
from wangge.core import extensions as ext
from wangge.core.access import SYSTEM
from wangge.service.models import Asset, Inspection
from wangge.service.services import inspections as svc

_seq = itertools.count(1)


@pytest.fixture
def tasks(assets: AssetWorld) -> AssetWorld:
    svc.schedule_create(actor=SYSTEM, kind="building_switch", every=1, unit="month")
    svc.schedule_create(actor=SYSTEM, kind="duct", every=3, unit="month")
    svc.inspections_generate()
    return assets


def test_the_list_filters_and_links_its_export(assets: AssetWorld) -> None:
    c = assets.world.client("manager_a")
    page = c.get(reverse("service:asset_list") + "?kind=onu").content.decode()
    assert "ONU-A-001" in page and "SW-A-001" not in page and "SW-B-001" not in page
    assert reverse("core:export", args=["assets"]) + "?kind=onu" in page
    partial = c.get(reverse("service:asset_list") + "?free=1", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and "SW-A-001" in body and "GX-A-001" not in body


def test_the_map_layer_is_scoped_and_filtered(assets: AssetWorld) -> None:
    url = reverse("service:asset_geojson")
    seen = json.loads(assets.world.client("tech_a").get(url + "?kind=building_switch").content)
    assert [f["properties"]["code"] for f in seen["features"]] == ["SW-A-001"]
    feature = seen["features"][0]
    sw = assets.a["switch_a"]
    assert feature["geometry"]["coordinates"] == [sw.lon, sw.lat]
    assert feature["properties"]["free"] == 4
    assert assets.world.client("agent_a").get(url).status_code == 404


def test_asset_detail_shows_its_inspections(tasks: AssetWorld) -> None:
    c = tasks.world.client("account_a")
    page = c.get(reverse("service:asset_detail", args=[tasks.a["switch_a"].pk])).content.decode()
    assert "SW-A-001" in page and "未完成" in page
    assert reverse("service:asset_edit", args=[tasks.a["switch_a"].pk]) not in page  # read only


def test_register_and_edit_through_the_forms(assets: AssetWorld) -> None:
    c = assets.world.client("tech_a")
    site = assets.t.sites_a[1]
    r = c.post(
        reverse("service:asset_create"),
        {"code": "FORM-1", "kind": "splitter", "site": site.pk, "ports_total": 8,
         "ports_used": 1, "covered_households": 8, "state": "in_service"},
    )  # fmt: skip
    asset = Asset.objects.get(code="FORM-1")
    assert r.status_code == 302 and (asset.lon, asset.lat) == (site.lon, site.lat)
    edit = reverse("service:asset_edit", args=[asset.pk])
    data = {"code": "FORM-1", "kind": "splitter", "site": site.pk, "ports_total": 8,
            "ports_used": 9, "covered_households": 8, "state": "in_service",
            "version": 1}  # fmt: skip
    bad = c.post(edit, data)
    assert bad.status_code == 200 and "已用端口不能超过端口总数" in bad.content.decode()
    data["ports_used"] = 5
    assert c.post(edit, data).status_code == 302
    stale = c.post(edit, {**data, "ports_used": 6})  # still version 1
    assert "已被他人修改" in stale.content.decode()
    asset.refresh_from_db()
    assert (asset.ports_used, asset.version) == (5, 2)


def test_a_technicians_round_on_the_phone(
    tasks: AssetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    w = tasks.world
    c = w.client("tech_a")
    listing = c.get(reverse("service:inspection_list")).content.decode()  # mine, today
    assert "SW-A-001" in listing and "GX-A-001" in listing and "SW-B-001" not in listing
    task = Inspection.objects.get(asset=tasks.a["switch_a"])
    url = reverse("service:inspection_detail", args=[task.pk])
    form = c.get(url).content.decode()
    assert 'data-testid="checkin"' in form and 'capture="environment"' in form
    sw = tasks.a["switch_a"]
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, {
            "finding": "defect", "severity": "critical", "note": "箱门被撬",
            "lat": sw.lat, "lon": sw.lon, "accuracy_m": 12, "version": task.version,
            "photo": SimpleUploadedFile("p.png", PNG, content_type="image/png"),
        })  # fmt: skip
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.finding == "defect" and task.verified and task.photo_type == "image/png"
    done = c.get(url).content.decode()
    assert "紧急" in done and reverse("service:inspection_photo", args=[task.pk]) in done
    assert c.get(reverse("service:inspection_photo", args=[task.pk]))["Content-Type"] == "image/png"
    # The manager of grid B cannot post to it; grid A's account marketer only reads it.
    assert w.client("account_a").post(url, {"finding": "ok"}).status_code == 404


def test_a_bad_photo_is_refused_on_the_form(tasks: AssetWorld) -> None:
    task = Inspection.objects.get(asset=tasks.a["duct_a"])
    r = tasks.world.client("tech_a").post(
        reverse("service:inspection_detail", args=[task.pk]),
        {"finding": "ok", "photo": SimpleUploadedFile("x.gif", b"GIF89a....", "image/gif")},
    )
    assert r.status_code == 200 and "JPEG 或 PNG" in r.content.decode()
    task.refresh_from_db()
    assert task.done_on is None


def test_schedules_and_coverage_pages(tasks: AssetWorld) -> None:
    c = tasks.world.client("manager_a")
    r = c.post(
        reverse("service:schedule_create"),
        {"kind": "onu", "grid": tasks.world.grid_a.pk, "every": 2, "unit": "month",
         "is_active": "on"},
    )  # fmt: skip
    assert r.status_code == 302
    county = c.post(
        reverse("service:schedule_create"), {"kind": "pipe", "every": 2, "unit": "month"}
    )
    assert county.status_code == 200  # the grid is required of a manager: refused on the form
    page = c.get(reverse("service:schedule_list")).content.decode()
    assert "ONU" in page and "全县" in page
    cover = c.get(reverse("service:coverage")).content.decode()
    assert tasks.world.grid_a.name in cover and tasks.world.grid_b.name not in cover


def test_site_panel_today_and_day_activity(tasks: AssetWorld, time_machine: Any) -> None:
    w = tasks.world
    site = tasks.t.sites_a[0]
    page = w.client("account_a").get(reverse("territory:site_detail", args=[site.pk]))
    body = page.content.decode()
    assert 'data-testid="panel-service-site"' in body and "SW-A-001" in body
    tech = w.user("tech_a")
    today = clock.today()
    items = dict(ext.today_for(tech, today))
    labels = [str(i.label) for s, i_list in ext.today_for(tech, today) for i in i_list]
    assert "今天要做的巡检" in labels, items
    task = Inspection.objects.get(asset=tasks.a["switch_a"])
    done = svc.inspection_complete(actor=tech, inspection=task, finding="ok")
    log = ext.day_activity_for(tech, done.done_on)  # type: ignore[arg-type]
    texts = [str(a.text) for _s, acts in log for a in acts]
    assert any("SW-A-001" in t and "正常" in t for t in texts)
    theirs = ext.day_activity_for(w.user("manager_a"), done.done_on)  # type: ignore[arg-type]
    assert [s for s, _acts in theirs if s.key == "service.inspections"] == []


def _grow(t: AssetWorld) -> Any:
    def grow(n: int) -> None:
        for site in (t.t.sites_a[0], t.t.sites_b[0]):
            made = Asset.objects.bulk_create(
                Asset(
                    code=f"G{next(_seq):06d}",
                    kind="onu",
                    site=site,
                    grid_id=site.grid_id,
                    lon=site.lon,
                    lat=site.lat,
                    ports_total=4,
                )
                for _ in range(n)
            )
            Inspection.objects.bulk_create(
                Inspection(
                    asset=a,
                    grid=site.grid,
                    due_on=dt.date(2026, 1, 1),
                    assignee=t.world.staff["tech_a"],
                )
                for a in made
            )

    return grow


@pytest.mark.parametrize("persona", ["market_admin", "tech_a"])
@pytest.mark.parametrize(
    "url",
    ["service:asset_list", "service:inspection_list", "service:asset_geojson", "service:coverage"],
)
def test_lists_cost_the_same_with_more_rows(assets: AssetWorld, persona: str, url: str) -> None:
    client = assets.world.client(persona)
    target = reverse(url) + ("?status=open" if url == "service:inspection_list" else "")
    if client.get(target).status_code == 404:
        pytest.skip(f"{persona} may not open {url}")
    assert_flat(client, target, _grow(assets))
    for path in ("/api/service/assets?limit=200", "/api/service/inspections?limit=200"):
        assert_flat(client, path, _grow(assets))


def test_a_manager_hands_a_task_to_another_technician(tasks: AssetWorld) -> None:
    from wangge.org import services as org_services
    from wangge.org.roles import Role

    w = tasks.world
    other = org_services.staff_create(
        actor=SYSTEM, username="tech_a2", password=None, name="装维乙", employee_no="TECH_A2",
        role=Role.TECHNICIAN, primary_grid=w.grid_a,
    )  # fmt: skip
    task = Inspection.objects.get(asset=tasks.a["switch_a"])
    url = reverse("service:inspection_reassign", args=[task.pk])
    body = {"assignee": other.pk, "version": task.version}
    assert w.client("tech_a").post(url, body).status_code == 404
    page = w.client("manager_a").get(reverse("service:inspection_detail", args=[task.pk]))
    assert url in page.content.decode()
    assert w.client("manager_a").post(url, body).status_code == 302
    task.refresh_from_db()
    assert task.assignee == other
    # Not a technician of the grid: refused, nothing changes.
    w.client("manager_a").post(url, {"assignee": w.staff["account_a"].pk, "version": 2})
    task.refresh_from_db()
    assert task.assignee == other and task.version == 2


def _posted(form: Any) -> dict[str, Any]:
    """What the browser would send back for `form` untouched."""
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_the_site_form_shows_capacity_from_the_assets_read_only(assets: AssetWorld) -> None:
    client = assets.world.client("manager_a")
    with_assets, without = assets.t.sites_a[0], assets.t.sites_a[2]
    with_assets.refresh_from_db()
    derived = (with_assets.free_ports, with_assets.covered_households)
    assert derived == (10, 48)  # (24 − 20) + (8 − 2) free; the widest layer's 48 homes
    url = reverse("territory:site_edit", args=[with_assets.pk])
    form = client.get(url).context["form"]
    assert form.fields["free_ports"].disabled and form.fields["covered_households"].disabled
    typed = {**_posted(form), "free_ports": 999, "covered_households": 1, "name": "改名小区"}
    assert client.post(url, typed).status_code == 302
    with_assets.refresh_from_db()
    assert with_assets.name == "改名小区"
    assert (with_assets.free_ports, with_assets.covered_households) == derived
    # A site the register knows nothing of keeps its typed figures.
    other = client.get(reverse("territory:site_edit", args=[without.pk])).context["form"]
    assert not other.fields["free_ports"].disabled
