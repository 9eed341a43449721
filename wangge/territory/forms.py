from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.extensions import derived_fields
from wangge.core.forms import ScopedFormMixin, VersionedFormMixin
from wangge.org.models import Staff
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.models import AGE_SHARE_FIELDS, SURVEY_FIELDS, Site


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


#: What each kind of site is described by on its form (the rest does not apply to it).
SITE_FORM_FIELDS: dict[str, tuple[str, ...]] = {
    Site.Kind.ESTATE: (
        "code", "name", "address", "lon", "lat", "households", "covered_households",
        "free_ports", "delivery_date", "occupancy_rate", "property_company",
        "property_contact", "property_phone", *SURVEY_FIELDS,
    ),
    Site.Kind.BUILDING: (
        "code", "name", "estate", "address", "lon", "lat", "households",
        "covered_households", "free_ports",
    ),
    Site.Kind.PREMISES: (
        "code", "name", "premises_kind", "address", "lon", "lat", "pc_owners",
        "covered_households", "free_ports",
    ),
}  # fmt: skip


class SiteForm(ScopedFormMixin, VersionedFormMixin, forms.ModelForm):
    """An estate, building or premises: the fields of its kind, and whether the editor has
    just checked it on the ground (verified now, like a customer)."""

    verified = forms.BooleanField(
        label=_("现场核实过"),
        required=False,
        help_text=_("勾选表示刚刚在现场核实过这些信息，记为今天由您核实。"),
    )

    class Meta:
        model = Site
        fields = sorted({f for fs in SITE_FORM_FIELDS.values() for f in fs})
        widgets = {
            "delivery_date": forms.DateInput(attrs={"type": "date"}),
            "residents_note": forms.TextInput(),
        }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        keep = {*SITE_FORM_FIELDS[kind], "verified", "version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "estate" in self.fields:
            estate = self.fields["estate"]
            estate.queryset = estate.queryset.filter(kind=Site.Kind.ESTATE)  # type: ignore[attr-defined]
            for key in ("lon", "lat"):
                self.fields[key].required = False
                self.fields[key].help_text = _("不填则用所属小区的位置")
        if "premises_kind" in self.fields:
            self.fields["premises_kind"].required = True
        for name in (*AGE_SHARE_FIELDS, "tenant_share", "occupancy_rate"):
            if name in self.fields:
                self.fields[name].help_text = _("0 到 1 之间的小数，如 0.3 表示 30%")
        # Figures another app keeps for this site (capacity from its network assets): shown,
        # not typed; a disabled field keeps the stored value whatever is posted.
        for name in derived_fields("territory.site", self.instance) & set(self.fields):
            self.fields[name].disabled = True
            self.fields[name].help_text = _("由网络资产计算，随资产登记自动更新")
        self.instance.kind = kind

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        estate = data.get("estate")
        for key in ("lon", "lat"):
            if data.get(key) is None and estate is not None:
                data[key] = getattr(estate, key)
            elif data.get(key) is None and key in self.fields and not self.has_error(key):
                self.add_error(key, _("这个字段是必填项。"))
        return data

    def _post_clean(self) -> None:
        # The service validates the instance (placement, scope, constraints): the form only
        # checks its own fields, so a refusal reads the same from the form and the API.
        pass


class SurveyAssignForm(forms.Form):
    """Hand the ticked sites to one person of the grid (or take them back)."""

    sites = forms.ModelMultipleChoiceField(queryset=Site.objects.none(), label=_("网格单元"))
    assignee = forms.ModelChoiceField(
        queryset=Staff.objects.none(),
        label=_("调查人"),
        required=False,
        empty_label=_("（收回分工）"),
    )

    def __init__(self, *args: Any, sites: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = team  # type: ignore[attr-defined]
