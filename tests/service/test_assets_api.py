"""The asset and inspection API: scoped lists, reading by asset number, register and
edit with `version` (409 when stale), the one error shape, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.personas import PERSONAS
from tests.service.conftest_assets import *  # noqa: F403
from tests.service.conftest_assets import PNG, AssetWorld
from wangge.core.access import SYSTEM
from wangge.service.models import Asset, Inspection, InspectionSchedule
from wangge.service.services import inspections as svc
from wangge.service.services.assets import asset_create

WRITERS_A = {"market_admin", "manager_a", "tech_a"}


def _json(response: Any) -> Any:
    return json.loads(response.content)


def test_who_may_write_assets(assets: AssetWorld) -> None:
    w = assets.world
    site_a = assets.t.sites_a[2]
    for n, p in enumerate(PERSONAS):
        body = {"code": f"API-{n}", "kind": "onu", "site_id": site_a.pk, "ports_total": 8}
        r = w.api(p).post("/api/service/assets", data=body, content_type="application/json")
        assert r.status_code == (201 if p in WRITERS_A else 404), (p, r.content)
        sw = Asset.objects.get(code="SW-A-001")
        r = w.api(p).patch(
            "/api/service/assets/SW-A-001",
            data={"note": p, "version": sw.version},
            content_type="application/json",
        )
        assert r.status_code == (200 if p in WRITERS_A else 404), (p, r.content)
    created = set(Asset.objects.filter(code__startswith="API-").values_list("code", flat=True))
    assert created == {f"API-{PERSONAS.index(p)}" for p in WRITERS_A}


def test_list_detail_and_capacity_figures(assets: AssetWorld) -> None:
    c = assets.world.api("manager_a")
    body = _json(c.get("/api/service/assets?kind=building_switch"))
    assert body["count"] == 1 and body["items"][0]["code"] == "SW-A-001"
    assert body["items"][0]["ports_free"] == 4
    assert _json(c.get("/api/service/assets?free=true"))["count"] == 2
    one = _json(c.get("/api/service/assets/ONU-A-001"))
    assert one["site_code"] == assets.t.sites_a[0].code and one["version"] == 1
    assert c.get("/api/service/assets/SW-B-001").status_code == 404


def test_stale_version_is_409_and_changes_nothing(assets: AssetWorld) -> None:
    c = assets.world.api("tech_a")
    url = "/api/service/assets/SW-A-001"
    first = c.patch(url, data={"ports_used": 21, "version": 1}, content_type="application/json")
    assert first.status_code == 200 and _json(first)["version"] == 2
    again = c.patch(url, data={"ports_used": 22, "version": 1}, content_type="application/json")
    assert again.status_code == 409 and _json(again)["code"] == "stale_version"
    assert Asset.objects.get(code="SW-A-001").ports_used == 21


def test_bad_bodies_answer_in_the_one_shape(assets: AssetWorld) -> None:
    c = assets.world.api("manager_a")
    url = "/api/service/assets"
    site = assets.t.sites_a[0].pk
    cases = [
        ({"code": "X", "kind": "onu", "site_id": site, "ports_total": 1, "ports_used": 2}, 400),
        ({"code": "SW-A-001", "kind": "onu", "site_id": site}, 400),  # the number is taken
        ({"code": "X", "kind": "toaster", "site_id": site}, 422),
        ({"code": "X", "kind": "onu", "site_id": assets.t.sites_b[0].pk}, 400),  # not visible
        ({"code": "X", "kind": "onu", "site_id": site, "lon": 500, "lat": 1}, 422),
        ({"code": "a/b", "kind": "onu", "site_id": site}, 422),
        ({"code": "X\x00", "kind": "onu", "site_id": site}, 422),
        ([None], 422),
    ]
    for body, status in cases:
        r = c.post(url, data=body, content_type="application/json")
        assert r.status_code == status, (body, r.content)
        assert set(_json(r)) == {"detail", "code", "errors"}
    assert not Asset.objects.filter(code="X").exists()
    patch = c.patch(
        "/api/service/assets/SW-A-001", data={"ports_used": 99}, content_type="application/json"
    )
    assert patch.status_code == 400 and _json(patch)["errors"][0]["loc"] == ["body", "ports_used"]


def test_inspections_list_is_scoped(assets: AssetWorld) -> None:
    from wangge.core.access import SYSTEM
    from wangge.service.services import inspections as svc

    svc.schedule_create(actor=SYSTEM, kind="building_switch", every=1, unit="month")
    svc.inspections_generate()
    w = assets.world
    codes = {
        p: {i["asset_code"] for i in _json(w.api(p).get("/api/service/inspections"))["items"]}
        for p in PERSONAS
        if p != "agent_a"
    }
    assert codes["market_admin"] == {"SW-A-001", "SW-B-001"}
    assert codes["tech_a"] == codes["manager_a"] == {"SW-A-001"}
    assert codes["sales_b"] == {"SW-B-001"}
    assert w.api("agent_a").get("/api/service/inspections").status_code == 404
    mine = _json(w.api("tech_a").get("/api/service/inspections?mine=true&status=open"))
    assert mine["count"] == 1


def _open_task(code: str, site: Any) -> Inspection:
    if not InspectionSchedule.objects.filter(kind="onu").exists():
        svc.schedule_create(actor=SYSTEM, kind="onu", every=1, unit="month")
    asset = asset_create(actor=SYSTEM, site=site, code=code, kind="onu", ports_total=8)
    svc.inspections_generate()
    return Inspection.objects.get(asset=asset, done_on__isnull=True)


def test_who_may_inspect_and_reassign_by_api(assets: AssetWorld) -> None:
    w = assets.world
    photo = base64.b64encode(PNG).decode()
    inspectors = {"market_admin", "manager_a", "tech_a"}
    planners = {"market_admin", "manager_a"}
    for n, p in enumerate(PERSONAS):
        task = _open_task(f"ONU-API-{n}", assets.t.sites_a[1])
        url = f"/api/service/inspections/{task.pk}"
        r = w.api(p).post(
            url + "/reassign",
            data={"assignee_id": w.staff["tech_a"].pk, "version": task.version},
            content_type="application/json",
        )
        assert r.status_code == (200 if p in planners else 404), (p, r.content)
        task.refresh_from_db()
        body = {"finding": "ok", "lat": 27.2, "lon": 111.7, "accuracy_m": 12, "photo": photo,
                "version": task.version}  # fmt: skip
        r = w.api(p).post(url + "/complete", data=body, content_type="application/json")
        assert r.status_code == (200 if p in inspectors else 404), (p, r.content)
        task.refresh_from_db()
        assert (task.done_on is not None) == (p in inspectors), p
        if p in inspectors:
            got = _json(r)
            assert (
                got["finding"] == "ok"
                and got["has_photo"]
                and got["done_by_id"] == (w.staff[p].pk if p in w.staff else None)
            )


def test_inspection_api_refuses_bad_and_stale_bodies_writing_nothing(assets: AssetWorld) -> None:
    task = _open_task("ONU-BAD", assets.t.sites_a[1])
    c = assets.world.api("tech_a")
    url = f"/api/service/inspections/{task.pk}/complete"
    for body, status in (
        ({"finding": "defect", "version": task.version}, 400),  # no severity, no note
        ({"finding": "ok", "photo": "not base64!", "version": task.version}, 400),
        ({"finding": "maybe", "version": task.version}, 422),
        ({"finding": "ok", "version": task.version + 1}, 409),
    ):
        r = c.post(url, data=body, content_type="application/json")
        assert r.status_code == status, (body, r.content)
        task.refresh_from_db()
        assert task.done_on is None and task.finding == ""
    assert c.get("/api/service/inspections/999999").status_code == 404
    defect: dict[str, Any] = {"finding": "defect", "severity": "major", "note": "箱门锁损坏"}
    defect["version"] = task.version
    r = c.post(url, data=defect, content_type="application/json")
    assert r.status_code == 200 and _json(r)["severity"] == "major"
