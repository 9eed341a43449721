"""User-facing wording of the pure modules' error codes, through gettext."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.territory.geometry import GeometryError

#: What a site's 现有用户数 (`Site.customers`) is, wherever people might expect to type it:
#: the site page, the site import's report.
CUSTOMERS_HELP = gettext_lazy(
    "由客户档案统计（存量和新增客户数），随客户的录入和导入自动更新，不能手工填写"
)


def geometry_message(exc: GeometryError) -> str:
    p = exc.params
    feature = _("第 %(n)s 个要素（%(code)s）") % {
        "n": p.get("n", "?"),
        "code": p.get("code") or "—",
    }
    messages = {
        "not_json": _("文件不是有效的 JSON：%(error)s"),
        "not_collection": _("需要一个由网格组成的 GeoJSON FeatureCollection。"),
        "no_features": _("FeatureCollection 中没有任何要素。"),
        "no_code": _("%(feature)s：缺少 code（网格编码）属性。"),
        "duplicate_code": _("%(feature)s：网格编码重复出现。"),
        "not_polygon": _("%(feature)s：几何必须是 Polygon 或 MultiPolygon。"),
        "bad_coordinates": _("%(feature)s：坐标无法解析（%(error)s）。"),
        "not_wgs84": _("%(feature)s：坐标不是 WGS-84 经纬度。"),
        "not_kml": _("文件不是有效的 KML/KMZ：%(error)s"),
        "kml_doctype": _("KML 文件中不允许 DOCTYPE 或实体声明。"),
        "kml_no_polygons": _("KML 文件中没有网格多边形（Placemark 中的 Polygon）。"),
        "kml_unknown_grid": _("文件中的单元指向不存在的网格（文件中没有其多边形）：%(codes)s"),
        "unrepairable": _(
            "%(feature)s：多边形无效（%(reason)s），无法安全修复，请修正后重新导入。"
        ),
    }
    template = messages.get(exc.code)
    if template is None:
        return str(exc)
    return template % {**{k: str(v) for k, v in p.items()}, "feature": feature}
