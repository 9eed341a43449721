"""The work-order pages' forms: pickers offer only what the user may see; writes go to the
services, which check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.crm.models import Customer, Product
from wangge.org.models import Staff
from wangge.org.roles import Role
from wangge.service.models import OrderKind, SlaSetting, WorkOrder
from wangge.territory.models import Site

#: A photo upload over this is refused before the service reads it.
UPLOAD_MAX = 5 * 1024 * 1024


class OrderCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("工单类型"), choices=OrderKind.choices)
    customer = forms.ModelChoiceField(
        label=_("客户"), queryset=Customer.objects.none(), required=False
    )
    site = forms.ModelChoiceField(
        label=_("小区/楼宇/单位"),
        queryset=Site.objects.none(),
        required=False,
        help_text=_("未关联客户时必填。"),
    )
    product = forms.ModelChoiceField(
        label=_("业务"), queryset=Product.objects.filter(is_active=True), required=False
    )
    description = forms.CharField(
        label=_("问题/需求描述"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)

    def __init__(
        self, *args: Any, user: Any, customer_id: int | None, site_id: int | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        customers = Customer.objects.visible_to(user).select_related("site")
        sites = Site.objects.visible_to(user)
        # The form is opened from a customer's or a site's page, which preselects it; from
        # the menu, the grid's sites are listed (the customer is then named by the caller).
        self.fields["customer"].queryset = customers.filter(pk=customer_id or 0)  # type: ignore[attr-defined]
        self.fields["site"].queryset = (  # type: ignore[attr-defined]
            sites.filter(pk=site_id) if site_id else sites.order_by("name")
        )
        if customer_id:
            self.initial["customer"] = customer_id
            self.fields["site"].widget = forms.HiddenInput()
        if site_id:
            self.initial["site"] = site_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("customer") and not data.get("site"):
            self.add_error("site", _("请指定客户或小区/楼宇。"))
        return data


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AssignForm(VersionForm):
    assignee = forms.ModelChoiceField(label=_("装维人员"), queryset=Staff.objects.none())
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = Staff.objects.filter(  # type: ignore[attr-defined]
            memberships__grid_id=order.grid_id or 0, memberships__role=Role.TECHNICIAN
        ).order_by("employee_no")


class CheckInForm(VersionForm):
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    accuracy_m = forms.FloatField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=100_000
    )
    position_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)


class CompleteForm(VersionForm):
    result = forms.CharField(
        label=_("处理结果"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    materials = forms.CharField(label=_("使用材料"), max_length=300, required=False)
    photo = forms.FileField(
        label=_("现场照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPEG 或 PNG，不超过 5 MB。"),
    )
    customer_confirmed = forms.BooleanField(label=_("客户已确认"), required=False)
    confirmed_by = forms.CharField(label=_("确认人"), max_length=32, required=False)

    def clean_photo(self) -> bytes | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > UPLOAD_MAX:
            raise forms.ValidationError(_("照片不能超过 5 MB。"))
        return bytes(upload.read())


class CloseForm(VersionForm):
    follow_up = forms.CharField(label=_("回访记录"), max_length=300)
    satisfied = forms.NullBooleanField(
        label=_("客户满意"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", "—"), ("true", _("满意")), ("false", _("不满意"))]
        ),
    )


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


ACTION_FORMS: dict[str, type[VersionForm]] = {
    "assign": AssignForm,
    "accept": VersionForm,
    "check_in": CheckInForm,
    "complete": CompleteForm,
    "close": CloseForm,
    "cancel": CancelForm,
}


class SlaForm(forms.ModelForm):
    class Meta:
        model = SlaSetting
        fields = ("hours", "working_hours", "measure")
