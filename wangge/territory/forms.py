from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.territory.attributes import BALANCE_ATTRIBUTES


class AutoPlanForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=100)
    k = forms.IntegerField(label=_("网格数"), min_value=1, max_value=5000)
    primary = forms.ChoiceField(
        label=_("主要均衡指标"), choices=list(BALANCE_ATTRIBUTES.items()), initial="households"
    )
    secondary = forms.MultipleChoiceField(
        label=_("其他均衡指标"),
        choices=list(BALANCE_ATTRIBUTES.items()),
        required=False,
        initial=["customers"],
        widget=forms.CheckboxSelectMultiple,
    )
    tolerance = forms.DecimalField(
        label=_("主要指标容差（%）"), min_value=0.5, max_value=50, initial=5, decimal_places=1
    )
    secondary_tolerance = forms.DecimalField(
        label=_("其他指标容差（%）"), min_value=0.5, max_value=50, initial=10, decimal_places=1
    )
    compactness = forms.IntegerField(
        label=_("均衡 ←→ 紧凑"),
        min_value=0,
        max_value=100,
        initial=50,
        widget=forms.NumberInput(attrs={"type": "range", "step": 5}),
        help_text=_("向左更均衡（形状可能不规则），向右更紧凑（均衡只保证在容差内）。"),
    )
    stable = forms.BooleanField(
        label=_("尽量少调整现行网格"),
        required=False,
        initial=True,
        help_text=_("网格数与现行方案相同时，以现行方案为起点，只移动必要的单元。"),
    )
    locked_codes = forms.CharField(
        label=_("锁定网格（编码，逗号分隔）"), required=False, max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        primary = data.get("primary")
        data["attributes"] = [primary] + [a for a in data.get("secondary", []) if a != primary]
        data["locked"] = [
            c.strip() for c in (data.get("locked_codes") or "").split(",") if c.strip()
        ]
        return data


class ImportPlanForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=100)
    crs = forms.ChoiceField(
        label=_("坐标系"),
        choices=[("wgs84", _("WGS-84（GPS、天地图）")), ("gcj02", _("GCJ-02（高德、腾讯地图）"))],
        initial="wgs84",
    )
    file = forms.FileField(
        label=_("GeoJSON 文件"),
        help_text=_("每个要素一个网格，属性 code 为网格编码，name 为名称。"),
    )


class ImportKmlForm(ImportPlanForm):
    file = forms.FileField(
        label=_("KML / KMZ 文件"),
        help_text=_(
            "每个 Placemark 一个网格（Polygon 或 MultiGeometry），扩展数据 code 为网格编码；"
            "可附带单元点（扩展数据 site_code、grid_code），用于核对归属。"
        ),
    )


class ActivateForm(forms.Form):
    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=clock.today,
    )
