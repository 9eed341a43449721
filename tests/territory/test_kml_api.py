"""Plans in KML through the API: export (KML or KMZ), import, refusals as 400, who may."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import PERSONAS, World
from tests.territory.test_kml import EXCLAVE, _imported_plan, _kml, _polygon_pm, _site_pm
from tests.territory_world import EAST, WEST, Territory, build_territory
from wangge.territory import kml
from wangge.territory.models import GridPlan, Site

pytestmark = pytest.mark.django_db

IMPORT = "/api/territory/plans/import/kml"


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=6)


def _upload(client: Client, data: bytes, name: str = "plan.kml", **form: str) -> Any:
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(IMPORT, {"name": "接口导入", **form, "file": file})


def _assignment(plan_id: int) -> dict[int, str | None]:
    plan = GridPlan.objects.get(pk=plan_id)
    return dict(plan.assignments.values_list("site_id", "plan_grid__code"))


@pytest.mark.parametrize("kmz", [False, True])
def test_export_then_import_through_the_api_gives_the_same_plan(t: Territory, kmz: bool) -> None:
    plan = _imported_plan()
    api = t.world.api("market_admin")
    flag = "true" if kmz else "false"
    r = api.get(f"/api/territory/plans/{plan.pk}/kml?sites=true&kmz={flag}")
    assert r.status_code == 200
    if kmz:
        assert r["Content-Type"] == "application/vnd.google-earth.kmz"
        assert r["Content-Disposition"].endswith(f'plan-{plan.pk}.kmz"')
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            assert z.namelist() == ["doc.kml"]
    else:
        assert r["Content-Type"] == "application/vnd.google-earth.kml+xml"
        assert r.content.startswith(b"<?xml")

    r2 = _upload(api, r.content, name="plan.kmz" if kmz else "plan.kml")
    assert r2.status_code == 201, r2.content
    again = r2.json()
    assert again["status"] == "draft" and again["source"] == "import"
    assert again["summary"]["kml_sites"]["differ"] == 0
    assert _assignment(again["id"]) == _assignment(plan.pk)
    exclave = [s.pk for s in t.sites_b if EXCLAVE.contains(shapely.Point(s.lon, s.lat))]
    assert exclave and {_assignment(again["id"])[s] for s in exclave} == {"A"}


def test_a_manager_exports_only_their_grids_and_sites(t: Territory) -> None:
    # Managers read the plan in force (drafts are the planners'), their grids only.
    r = t.world.api("manager_a").get(f"/api/territory/plans/{t.plan.pk}/kml?sites=true")
    assert r.status_code == 200
    parsed = kml.read_kml(r.content)
    assert [g.code for g in parsed.grids] == ["A"]
    visible = set(Site.objects.visible_to(t.world.user("manager_a")).values_list("code", flat=True))
    assert parsed.sites and {s.code for s in parsed.sites} <= visible


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not xml", "文件不是有效的 KML"),
        (b"<html><body>hi</body></html>", "不是有效的 KML"),
        (b"PK\x03\x04 truncated zip", "不是有效的 KML"),
        (_kml(_site_pm("A000", "A")), "没有网格多边形"),
        (_kml(_polygon_pm(None, WEST, name="无编码")), "缺少 code"),
        (_kml(_polygon_pm("A", WEST) + _polygon_pm("B", EAST) + _site_pm("NOPE", "A")), "不存在"),
        (
            b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa">]>'
            b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&a;</name>'
            b"</Document></kml>",
            "DOCTYPE",
        ),
        (b"", "请上传 KML 或 KMZ 文件"),
    ],
    ids=["not-xml", "html", "bad-kmz", "no-polygons", "no-code", "unknown-site", "entity", "empty"],
)
def test_a_malformed_file_is_a_400_with_the_reason_and_nothing_written(
    t: Territory, data: bytes, expected: str
) -> None:
    before = (GridPlan.objects.count(), Site.objects.count())
    r = _upload(t.world.api("market_admin"), data)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "rejected"
    assert body["errors"][0]["loc"] == ["body", "file"]
    assert expected in body["errors"][0]["msg"]
    assert (GridPlan.objects.count(), Site.objects.count()) == before


def test_a_request_without_a_file_is_a_400_and_without_a_name_a_422(t: Territory) -> None:
    api = t.world.api("market_admin")
    # No file, or an empty one (which reaches Django as no file): the domain's refusal.
    for data in ({"name": "无文件"}, {"name": "空文件", "file": SimpleUploadedFile("p.kml", b"")}):
        response = api.post(IMPORT, data)
        assert response.status_code == 400
        assert response.json()["errors"][0]["loc"][-1] == "file"
    assert not GridPlan.objects.filter(name__in=["无文件", "空文件"]).exists()
    file = SimpleUploadedFile("plan.kml", _kml(_polygon_pm("A", WEST)))
    assert api.post(IMPORT, {"file": file}).status_code == 422
    file = SimpleUploadedFile("plan.kml", _kml(_polygon_pm("A", WEST)))
    assert api.post(IMPORT, {"name": "x", "crs": "mars", "file": file}).status_code == 422


def test_only_planners_import_kml_through_the_api(t: Territory) -> None:
    body = _kml(_polygon_pm("A", WEST) + _polygon_pm("B", EAST))
    for persona in PERSONAS:
        before = GridPlan.objects.count()
        r = _upload(t.world.api(persona), body, crs="gcj02")
        if persona == "market_admin":
            assert r.status_code == 201
            assert GridPlan.objects.count() == before + 1
        else:
            assert r.status_code == 404, persona
            assert GridPlan.objects.count() == before
