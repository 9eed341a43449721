from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import ScopedFormMixin, VersionedFormMixin
from wangge.org.models import Department, Grid, Staff, validate_boundary
from wangge.org.roles import Role


class BoundaryField(forms.JSONField):
    """GeoJSON geometry typed or pasted as text; also accepts a Feature and takes its geometry."""

    def to_python(self, value: Any) -> Any:
        data = super().to_python(value)
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        validate_boundary(data)
        return data


def _offer_grid_technicians(form: forms.ModelForm) -> None:
    """Only the grid's own technicians can hold its 包干 (a new grid has none yet)."""
    field = form.fields["technician"]
    field.queryset = (  # type: ignore[attr-defined]
        Staff.objects.filter(
            memberships__grid_id=form.instance.pk or 0, memberships__role=Role.TECHNICIAN
        )
        .distinct()
        .order_by("employee_no")
    )


class GridForm(VersionedFormMixin, ScopedFormMixin, forms.ModelForm):
    boundary = BoundaryField(
        label=_("边界（GeoJSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("可粘贴 GeoJSON 的 Polygon / MultiPolygon；地图绘制见网格划分。"),
    )

    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "region",
            "service_point",
            "boundary",
            "is_active",
            "note",
            "technician",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer_grid_technicians(self)


class GridTechnicianForm(VersionedFormMixin, forms.ModelForm):
    """The grid manager's form: the grid's 包干 technician and nothing else of the grid."""

    class Meta:
        model = Grid
        fields = ["technician"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer_grid_technicians(self)
        field = self.fields["technician"]
        field.empty_label = _("不指定（派给资历最长的装维人员）")  # type: ignore[attr-defined]


class StaffForm(ScopedFormMixin, forms.ModelForm):
    primary_grid = forms.ModelChoiceField(
        label=_("主网格"), queryset=Grid.objects.all(), required=False
    )

    class Meta:
        model = Staff
        fields = ["name", "employee_no", "phone", "role", "department", "agency"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.all()  # type: ignore[attr-defined]
        if self.instance.pk:
            primary = self.instance.primary_membership
            if primary is not None:
                self.initial["primary_grid"] = primary.grid_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") not in (None, Role.MARKET_ADMIN) and not data.get("primary_grid"):
            self.add_error("primary_grid", _("除市场部外，每人必须有一个主网格。"))
        return data


class StaffCreateForm(StaffForm):
    username = forms.CharField(label=_("登录名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput, min_length=8, strip=False
    )

    field_order = ["username", "password", "name", "employee_no", "phone", "role"]
