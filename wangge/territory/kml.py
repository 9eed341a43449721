"""Grid plans as KML 2.2 (what GIS staff open in Google Earth, QGIS or ArcGIS). Pure.

Writing: one Placemark per grid (its Polygon, or a MultiGeometry of Polygons), the grid's
code, name and totals in ExtendedData; optionally one Point Placemark per site, carrying the
site's code and its grid's code, in a folder of their own.

Reading gives the same plain data back: grids as `geometry.GridShape` (checked by
`geometry.read_grid_features`, so a KML grid is refused or repaired exactly as a GeoJSON one)
and the sites' listed grids. Grid codes come from ExtendedData `code` (Data or SchemaData/
SimpleData, as ogr2ogr writes it). A KMZ (zipped KML) is read too.

The file is parsed with the standard library's expat, which resolves no external entity;
a DOCTYPE or entity declaration is refused outright (a KML never needs one), so the
"billion laughs" expansion cannot start.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from wangge.territory.geometry import GeometryError, GridShape, read_grid_features

KML_NS = "http://www.opengis.net/kml/2.2"
#: A KMZ's KML may not unpack to more than this (a zip bomb stops here).
MAX_KMZ_KML_BYTES = 64 * 1024 * 1024
#: Extended data keys a grid's code may be given under, in order of preference.
CODE_KEYS = ("code", "编码", "grid_code")
NAME_KEYS = ("name", "名称")
SITE_KEY = "site_code"
SITE_GRID_KEY = "grid_code"


@dataclass
class KmlSite:
    """A site Point of the file: which grid the file says holds it."""

    code: str
    grid_code: str
    lon: float
    lat: float


@dataclass
class KmlPlan:
    name: str
    grids: list[GridShape]
    sites: list[KmlSite] = field(default_factory=list)
    #: Point Placemarks without a site code (landmarks someone added): left alone.
    ignored_points: int = 0


# --- writing ----------------------------------------------------------------------------------


def _ring(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(f"{x:.6f},{y:.6f}" for x, y, *_ in coords)


def _polygon(parent: ET.Element, poly: Polygon) -> None:
    poly = orient(poly, 1.0)  # KML wants outer rings counter-clockwise
    el = ET.SubElement(parent, "Polygon")
    outer = ET.SubElement(ET.SubElement(el, "outerBoundaryIs"), "LinearRing")
    ET.SubElement(outer, "coordinates").text = _ring(poly.exterior.coords)
    for hole in poly.interiors:
        inner = ET.SubElement(ET.SubElement(el, "innerBoundaryIs"), "LinearRing")
        ET.SubElement(inner, "coordinates").text = _ring(hole.coords)


def _geometry(parent: ET.Element, geom: BaseGeometry) -> None:
    polys = [geom] if isinstance(geom, Polygon) else list(getattr(geom, "geoms", []))
    polys = [p for p in polys if isinstance(p, Polygon) and not p.is_empty]
    if len(polys) == 1:
        _polygon(parent, polys[0])
        return
    multi = ET.SubElement(parent, "MultiGeometry")
    for p in polys:
        _polygon(multi, p)


def _extended(parent: ET.Element, data: dict[str, Any]) -> None:
    ext = ET.SubElement(parent, "ExtendedData")
    for key, value in data.items():
        if value is None:
            continue
        d = ET.SubElement(ext, "Data", name=str(key))
        ET.SubElement(d, "value").text = str(value)


def write_kml(
    name: str,
    grids: Iterable[tuple[str, str, BaseGeometry, dict[str, Any]]],
    sites: Iterable[tuple[str, str, float, float, str]] = (),
    *,
    grids_folder: str = "Grids",
    sites_folder: str = "Sites",
) -> bytes:
    """KML 2.2 bytes: `grids` as (code, name, geometry, extra data), `sites` as
    (code, name, lon, lat, grid code). Folder names are the caller's (translated) words."""
    root = ET.Element("kml", xmlns=KML_NS)
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = name
    style = ET.SubElement(doc, "Style", id="grid")
    line = ET.SubElement(style, "LineStyle")
    ET.SubElement(line, "color").text = "ffc0651f"  # aabbggrr: the map's blue
    ET.SubElement(line, "width").text = "2"
    ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = "33c0651f"
    folder = ET.SubElement(doc, "Folder")
    ET.SubElement(folder, "name").text = grids_folder
    for code, grid_name, geom, extra in grids:
        pm = ET.SubElement(folder, "Placemark", id=f"grid-{code}")
        ET.SubElement(pm, "name").text = grid_name
        ET.SubElement(pm, "styleUrl").text = "#grid"
        _extended(pm, {"code": code, "name": grid_name, **extra})
        _geometry(pm, geom)
    site_rows = list(sites)
    if site_rows:
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = sites_folder
        for code, site_name, lon, lat, grid_code in site_rows:
            pm = ET.SubElement(folder, "Placemark")
            ET.SubElement(pm, "name").text = site_name
            _extended(pm, {SITE_KEY: code, SITE_GRID_KEY: grid_code})
            point = ET.SubElement(pm, "Point")
            ET.SubElement(point, "coordinates").text = f"{lon:.6f},{lat:.6f}"
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# --- reading ----------------------------------------------------------------------------------


def kmz(body: bytes) -> bytes:
    """A KML document zipped as KMZ (`doc.kml` inside, as Google Earth writes it)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", body)
    return buf.getvalue()


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _descendants(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _text(el: ET.Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _refuse_declarations(*_args: Any) -> None:
    raise GeometryError("kml_doctype", "The file declares a DOCTYPE or entities; refused.")


def _parse(data: bytes) -> ET.Element:
    # A first pass with bare expat refuses declarations before ElementTree (whose C parser
    # exposes no handlers) sees the file; expat stops at the DOCTYPE, so it costs nothing.
    check = expat.ParserCreate()
    check.StartDoctypeDeclHandler = _refuse_declarations
    check.EntityDeclHandler = _refuse_declarations
    try:
        check.Parse(data, True)
        return ET.fromstring(data)
    except (expat.ExpatError, ET.ParseError) as exc:
        raise GeometryError("not_kml", "Not a KML file: {error}", error=str(exc)) from exc


def _unzip(data: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [i for i in z.infolist() if i.filename.lower().endswith(".kml")]
            if not names:
                raise GeometryError("not_kml", "Not a KML file: {error}", error="no .kml in KMZ")
            # doc.kml by convention; otherwise the first KML in the archive.
            info = next((i for i in names if i.filename.lower() == "doc.kml"), names[0])
            if info.file_size > MAX_KMZ_KML_BYTES:
                raise GeometryError("not_kml", "Not a KML file: {error}", error="KMZ too large")
            with z.open(info) as f:
                return f.read(MAX_KMZ_KML_BYTES + 1)[:MAX_KMZ_KML_BYTES]
    except zipfile.BadZipFile as exc:
        raise GeometryError("not_kml", "Not a KML file: {error}", error=str(exc)) from exc


def _data(pm: ET.Element) -> dict[str, str]:
    """ExtendedData of a Placemark: <Data name><value> and <SchemaData><SimpleData name>."""
    out: dict[str, str] = {}
    for ext in _children(pm, "ExtendedData"):
        for d in _descendants(ext, "Data"):
            values = _children(d, "value")
            out[d.get("name", "")] = _text(values[0]) if values else ""
        for d in _descendants(ext, "SimpleData"):
            out[d.get("name", "")] = _text(d)
    return out


def _first(data: dict[str, str], keys: Sequence[str]) -> str:
    return next((data[k].strip() for k in keys if data.get(k, "").strip()), "")


def _coords(el: ET.Element | None, label: str, n: int, code: str) -> list[tuple[float, float]]:
    out = []
    try:
        # Tuples are "lon,lat[,alt]" apart by whitespace; some tools put a space after commas.
        for token in re.sub(r"\s*,\s*", ",", _text(el)).split():
            parts = token.split(",")
            out.append((float(parts[0]), float(parts[1])))
    except (ValueError, IndexError) as exc:
        raise GeometryError(
            "bad_coordinates",
            "{label}: coordinates cannot be read ({error}).",
            label=label,
            n=n,
            code=code,
            error=str(exc),
        ) from exc
    return out


def _ring_of(boundary: ET.Element, label: str, n: int, code: str) -> list[tuple[float, float]]:
    coords = _descendants(boundary, "coordinates")
    return _coords(coords[0] if coords else None, label, n, code)


def _polygons(pm: ET.Element, label: str, n: int, code: str) -> list[list[Any]]:
    """GeoJSON polygon coordinate lists of every Polygon in the Placemark."""
    out = []
    for poly in _descendants(pm, "Polygon"):
        rings = [_ring_of(b, label, n, code) for b in _children(poly, "outerBoundaryIs")]
        if len(rings) != 1 or not rings[0]:
            raise GeometryError(
                "bad_coordinates",
                "{label}: coordinates cannot be read ({error}).",
                label=label,
                n=n,
                code=code,
                error="a Polygon needs one outerBoundaryIs",
            )
        rings += [_ring_of(b, label, n, code) for b in _children(poly, "innerBoundaryIs")]
        out.append([[list(c) for c in r] for r in rings])
    return out


def read_kml(data: bytes | str) -> KmlPlan:
    """The grids and sites of a KML (or KMZ) file; `GeometryError` for what cannot be used."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data[:2] == b"PK":
        data = _unzip(data)
    root = _parse(data)
    if _local(root.tag) != "kml":
        raise GeometryError("not_kml", "Not a KML file: {error}", error=f"root <{root.tag}>")
    docs = _descendants(root, "Document")
    name = _text(next(iter(_children(docs[0], "name")), None)) if docs else ""
    features: list[dict[str, Any]] = []
    sites: list[KmlSite] = []
    ignored = 0
    for pm in _descendants(root, "Placemark"):
        data_ = _data(pm)
        pm_name = _text(next(iter(_children(pm, "name")), None))
        if _descendants(pm, "Polygon"):
            n = len(features) + 1
            code = _first(data_, CODE_KEYS)
            label = f"Placemark {n}" + (f" ({code})" if code else f" ({pm_name})")
            polys = _polygons(pm, label, n, code or pm_name)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": code, "name": _first(data_, NAME_KEYS) or pm_name},
                    "geometry": {"type": "MultiPolygon", "coordinates": polys}
                    if len(polys) > 1
                    else {"type": "Polygon", "coordinates": polys[0]},
                }
            )
            continue
        points = _descendants(pm, "Point")
        site_code = data_.get(SITE_KEY, "").strip()
        if not points or not site_code:
            ignored += 1 if points else 0
            continue
        label = f"Point {site_code}"
        xy = _coords(next(iter(_descendants(points[0], "coordinates")), None), label, 0, site_code)
        if not xy:
            xy = [(float("nan"), float("nan"))]
        sites.append(KmlSite(site_code, data_.get(SITE_GRID_KEY, "").strip(), *xy[0]))
    if not features:
        raise GeometryError("kml_no_polygons", "The KML holds no grid polygons.")
    grids = read_grid_features({"type": "FeatureCollection", "features": features})
    codes = {g.code for g in grids}
    unknown = sorted({s.grid_code for s in sites if s.grid_code not in codes})
    if unknown:
        raise GeometryError(
            "kml_unknown_grid",
            "Sites name grids the file has no polygon for: {codes}",
            codes=", ".join(c or "—" for c in unknown[:20]),
        )
    return KmlPlan(name=name, grids=grids, sites=sites, ignored_points=ignored)
