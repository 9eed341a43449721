"""Plans in KML: export, import, round trip, and the files refused with nothing written."""

from __future__ import annotations

import io
import json
import zipfile
from xml.etree import ElementTree as ET

import pytest
import shapely
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from shapely.geometry import mapping, shape

from tests.personas import World
from tests.territory_world import EAST, WEST, Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.territory import kml, services
from wangge.territory.geometry import GeometryError
from wangge.territory.models import GridPlan, Site

pytestmark = pytest.mark.django_db

NS = {"k": kml.KML_NS}
# Grid B keeps a square in its south-west corner for grid A: A in two pieces, B with a hole
# (the square is inside B, so B is a polygon with a hole around A's exclave).
EXCLAVE = shapely.box(111.7255, 27.2055, 111.7285, 27.2085)
A_TWO_PIECES = shapely.MultiPolygon([WEST, EXCLAVE])
B_WITH_HOLE = EAST.difference(EXCLAVE)


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=8)


def _assignment(plan: GridPlan) -> dict[int, str | None]:
    return dict(plan.assignments.values_list("site_id", "plan_grid__code"))


def _imported_plan() -> GridPlan:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": c, "name": n}, "geometry": mapping(g)}
            for c, n, g in (("A", "网格甲", A_TWO_PIECES), ("B", "网格乙", B_WITH_HOLE))
        ],
    }
    return services.plan_import_geojson(actor=SYSTEM, name="飞地", data=json.dumps(fc))


def _kml(placemarks: str, ns: str = kml.KML_NS) -> bytes:
    return (
        f'<?xml version="1.0"?><kml xmlns="{ns}"><Document>{placemarks}</Document></kml>'
    ).encode()


def _polygon_pm(code: str | None, box: shapely.Polygon, name: str = "网格") -> str:
    coords = " ".join(f"{x},{y},0" for x, y in box.exterior.coords)
    data = f'<ExtendedData><Data name="code"><value>{code}</value></Data></ExtendedData>'
    return (
        f"<Placemark><name>{name}</name>{data if code else ''}<Polygon><outerBoundaryIs>"
        f"<LinearRing><coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs>"
        "</Polygon></Placemark>"
    )


def _site_pm(site_code: str, grid_code: str) -> str:
    return (
        '<Placemark><ExtendedData><Data name="site_code"><value>'
        f'{site_code}</value></Data><Data name="grid_code"><value>{grid_code}</value></Data>'
        "</ExtendedData><Point><coordinates>111.71,27.21</coordinates></Point></Placemark>"
    )


def test_export_then_import_gives_the_same_grids_and_assignment(t: Territory) -> None:
    plan = _imported_plan()
    exclave_sites = {s.pk for s in t.sites_b if EXCLAVE.contains(shapely.Point(s.lon, s.lat))}
    assert exclave_sites, "the exclave must hold sites for the test to mean anything"
    assert {_assignment(plan)[s] for s in exclave_sites} == {"A"}

    body = services.plan_export_kml(plan, sites=Site.objects.all())
    again = services.plan_import_kml(actor=SYSTEM, name="往返", data=body)

    assert _assignment(again) == _assignment(plan)
    grids = {g.code: g for g in again.grids.all()}
    assert shape(grids["A"].boundary).equals(A_TWO_PIECES)
    assert shape(grids["B"].boundary).equals(B_WITH_HOLE)
    assert grids["A"].name == "网格甲"
    assert again.summary["kml_sites"] == {"listed": 16, "differ": 0, "differ_codes": []}
    assert again.summary["overlaps"] == [] and again.summary["gap_count"] == 0


def test_export_is_kml_22_with_one_placemark_per_grid_and_code_in_extended_data(
    t: Territory,
) -> None:
    plan = _imported_plan()
    root = ET.fromstring(services.plan_export_kml(plan))
    assert root.tag == f"{{{kml.KML_NS}}}kml"
    placemarks = root.findall(".//k:Placemark", NS)
    assert len(placemarks) == 2  # no sites unless asked
    a = placemarks[0]
    data = {
        d.get("name"): d.findtext("k:value", namespaces=NS) for d in a.iterfind(".//k:Data", NS)
    }
    in_a = len(t.sites_a) + sum(EXCLAVE.contains(shapely.Point(s.lon, s.lat)) for s in t.sites_b)
    assert (data["code"], data["name"], data["sites"]) == ("A", "网格甲", str(in_a))
    assert len(a.findall("k:MultiGeometry/k:Polygon", NS)) == 2
    b = placemarks[1]
    assert len(b.findall("k:Polygon/k:innerBoundaryIs", NS)) == 1


def test_a_point_whose_grid_differs_from_its_polygon_is_reported(t: Territory) -> None:
    site = t.sites_a[0]
    body = _kml(_polygon_pm("A", WEST) + _polygon_pm("B", EAST) + _site_pm(site.code, "B"))
    plan = services.plan_import_kml(actor=SYSTEM, name="核对", data=body)
    assert _assignment(plan)[site.pk] == "A"  # the polygons decide
    assert plan.summary["kml_sites"] == {"listed": 1, "differ": 1, "differ_codes": [site.code]}
    page = t.world.client("market_admin").get(reverse("territory:plan_detail", args=[plan.pk]))
    assert site.code in page.content.decode().split('data-testid="kml-differ"')[1]


def _refused(data: bytes, expected: str) -> None:
    before = (GridPlan.objects.count(), Site.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.plan_import_kml(actor=SYSTEM, name="坏", data=data)
    assert expected in str(exc.value)
    assert (GridPlan.objects.count(), Site.objects.count()) == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not xml", "文件不是有效的 KML"),
        (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "不是有效的 KML"),
        (b"<html><body>hi</body></html>", "不是有效的 KML"),
        (_kml(_site_pm("A000", "A")), "没有网格多边形"),
        (_kml(_polygon_pm(None, WEST, name="无编码")), "缺少 code"),
        (_kml(_polygon_pm("A", WEST) + _polygon_pm("A", EAST)), "网格编码重复"),
        (_kml(_polygon_pm("A", WEST) + _site_pm("A000", "Z9")), "不存在的网格"),
        (_kml(_polygon_pm("A", WEST) + _site_pm("NOPE", "A")), "单元编码在系统中不存在"),
        (_kml(_polygon_pm("A", WEST) + _site_pm("A000", "A") * 2), "单元编码重复"),
        (_kml(_polygon_pm("A", shapely.box(200, 27, 201, 28))), "不是 WGS-84"),
        (
            _kml(
                "<Placemark><ExtendedData><Data name='code'><value>A</value></Data>"
                "</ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>"
                "111.7,27.2 oops</coordinates></LinearRing></outerBoundaryIs></Polygon>"
                "</Placemark>"
            ),
            "坐标无法解析",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&b;</name>'
            b"</Document></kml>",
            "DOCTYPE",
        ),
        (b"PK\x03\x04 truncated zip", "不是有效的 KML"),
    ],
    ids=[
        "not-xml",
        "geojson",
        "html",
        "no-polygons",
        "no-code",
        "duplicate-grid",
        "unknown-grid",
        "unknown-site",
        "duplicate-site",
        "not-wgs84",
        "bad-coordinates",
        "entities",
        "bad-kmz",
    ],
)
def test_bad_files_are_refused_clearly_and_nothing_is_written(
    t: Territory, data: bytes, expected: str
) -> None:
    _refused(data, expected)


def test_kmz_schema_data_and_the_old_google_namespace_are_read() -> None:
    # ogr2ogr writes fields as SchemaData/SimpleData; Google Earth 4 used its own namespace.
    pm = _polygon_pm("X", WEST).replace(
        '<ExtendedData><Data name="code"><value>X</value></Data></ExtendedData>',
        '<ExtendedData><SchemaData schemaUrl="#grids"><SimpleData name="code">X</SimpleData>'
        '<SimpleData name="name">西区</SimpleData></SchemaData></ExtendedData>',
    )
    data = _kml(pm, ns="http://earth.google.com/kml/2.1")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("files/readme.txt", "x")
        z.writestr("doc.kml", data)
    spaced = data.replace(b",27.2", b", 27.2")  # "lon, lat" as some tools write it
    for blob in (data, buf.getvalue(), spaced):
        parsed = kml.read_kml(blob)
        assert [(g.code, g.name) for g in parsed.grids] == [("X", "西区")]
        assert parsed.grids[0].geometry.equals(WEST)


def test_a_landmark_point_without_a_site_code_is_left_alone() -> None:
    landmark = (
        "<Placemark><name>水塔</name>"
        "<Point><coordinates>111.71,27.21</coordinates></Point></Placemark>"
    )
    parsed = kml.read_kml(_kml(_polygon_pm("A", WEST) + landmark))
    assert (len(parsed.grids), parsed.sites, parsed.ignored_points) == (1, [], 1)


def test_not_kml_is_a_geometry_error_with_its_code() -> None:
    with pytest.raises(GeometryError) as exc:
        kml.read_kml(b"<gpx></gpx>")
    assert exc.value.code == "not_kml"


def test_pages_export_the_grids_the_user_may_read_and_import_a_kml(t: Territory) -> None:
    url = reverse("territory:plan_kml", args=[t.plan.pk])
    full = t.world.client("market_admin").get(url + "?sites=1")
    assert full["Content-Type"] == "application/vnd.google-earth.kml+xml"
    assert "attachment" in full["Content-Disposition"]
    parsed = kml.read_kml(full.content)
    assert {g.code for g in parsed.grids} == {"A", "B"}
    assert len(parsed.sites) == 16
    # A grid manager reads the plan in force, but only their own grid and its sites.
    own = kml.read_kml(t.world.client("manager_a").get(url + "?sites=1").content)
    assert [g.code for g in own.grids] == ["A"]
    assert {s.code for s in own.sites} == {s.code for s in t.sites_a}
    assert t.world.client("account_a").get(url).status_code == 404

    admin = t.world.client("market_admin")
    upload = SimpleUploadedFile("plan.kml", full.content, "application/vnd.google-earth.kml+xml")
    page = admin.post(
        reverse("territory:plan_import_kml"), {"name": "再导入", "crs": "wgs84", "file": upload}
    )
    plan = GridPlan.objects.get(name="再导入")
    assert page.status_code == 302 and page["Location"] == reverse(
        "territory:plan_detail", args=[plan.pk]
    )
    assert _assignment(plan) == _assignment(t.plan)
    bad = SimpleUploadedFile("plan.kml", b"<kml", "application/vnd.google-earth.kml+xml")
    page = admin.post(
        reverse("territory:plan_import_kml"), {"name": "坏", "crs": "wgs84", "file": bad}
    )
    assert page.status_code == 200 and "文件不是有效的 KML" in page.content.decode()
    assert not GridPlan.objects.filter(name="坏").exists()
    detail = admin.get(reverse("territory:plan_detail", args=[plan.pk])).content.decode()
    assert reverse("territory:plan_kml", args=[plan.pk]) in detail
