"""Forms of the information base. Choice lists offer only what the user may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import ScopedFormMixin, VersionedFormMixin
from wangge.crm import selectors, services
from wangge.crm.models import (
    Competitor,
    CompetitorIntel,
    CompetitorOffer,
    Contact,
    Customer,
    Organization,
    Product,
    Subscription,
    TariffPlan,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VerifiedField(forms.BooleanField):
    """Saving a survey is a verification unless the editor says they did not check."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("本次已现场核实"),
            required=False,
            initial=True,
            help_text=_("勾选表示信息已与客户或现场核对，核实时间更新为现在。"),
            **kwargs,
        )


def keep_current(form: forms.ModelForm, name: str, *, order_by: str) -> None:
    """Offer the record's current value even when it lies outside the user's scope.

    A named owner may keep a customer whose site is in another grid (名单制), and must be
    able to save its other fields without being told their own site is not a valid choice.
    """
    field = form.fields[name]
    qs = field.queryset  # type: ignore[attr-defined]
    current = getattr(form.instance, f"{name}_id", None)
    if current is not None:
        qs = qs | qs.model._default_manager.filter(pk=current)
    field.queryset = qs.order_by(order_by)  # type: ignore[attr-defined]


def placeable_sites(form: forms.ModelForm, user: Any) -> None:
    """A new customer's site: any site the user may register customers at. Agents see no
    sites, yet register customers of their own in their grid (by the site's name)."""
    if form.instance.pk is None:
        form.fields["site"].queryset = selectors.sites_for_new_customers(user=user)  # type: ignore[attr-defined]


def optional_code(form: forms.ModelForm) -> None:
    """The operator's own customer number, or none: the save issues ours (KH + id)."""
    field = form.fields["code"]
    field.required = False
    field.help_text = _("留空则由系统编号（KH 加 8 位数字）；有运营商自己的编号可填写。")


class CustomerForm(VersionedFormMixin, ScopedFormMixin, forms.ModelForm):
    verified = VerifiedField()

    class Meta:
        model = Customer
        fields = list(services.CUSTOMER_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional_code(self)
        placeable_sites(self, self.user)
        keep_current(self, "site", order_by="name")
        keep_current(self, "owner", order_by="name")


class GroupCustomerForm(ScopedFormMixin, forms.ModelForm):
    """The customer half of a new group customer; the survey half is `OrganizationForm`."""

    class Meta:
        model = Customer
        fields = ["code", "site", "address", "relationship", "tier", "owner", "current_provider"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional_code(self)
        placeable_sites(self, self.user)
        keep_current(self, "site", order_by="name")
        keep_current(self, "owner", order_by="name")


class OrganizationForm(VersionedFormMixin, forms.ModelForm):
    verified = VerifiedField()

    class Meta:
        model = Organization
        fields = list(services.ORGANIZATION_FIELDS)
        widgets = {
            "quality_feedback": forms.Textarea(attrs={"rows": 3}),
            "development_wishes": forms.Textarea(attrs={"rows": 3}),
        }


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = list(services.CONTACT_FIELDS)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("备注"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubscriptionForm(VersionedFormMixin, ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Subscription
        fields = list(services.SUBSCRIPTION_FIELDS)
        widgets = {"started_on": DATE, "expires_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = TariffPlan.objects.select_related("product").order_by("product__kind", "code")
        if not self.instance.pk:
            plans = plans.filter(is_active=True)
        self.fields["plan"].queryset = plans.visible_to(self.user)  # type: ignore[attr-defined]
        self.fields["monthly_fee"].required = False
        self.fields["monthly_fee"].help_text = _("留空则按套餐资费。")


class IntelForm(ScopedFormMixin, forms.ModelForm):
    verified = VerifiedField()

    class Meta:
        model = CompetitorIntel
        fields = ["competitor", *services.INTEL_FIELDS]
        widgets = {"launched_on": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The competitor is what the row is about: a different one is a new row.
            del self.fields["competitor"]


class OfferForm(forms.ModelForm):
    class Meta:
        model = CompetitorOffer
        fields = list(services.OFFER_FIELDS)
        widgets = {"seen_on": DATE, "ended_on": DATE}


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = list(services.PRODUCT_FIELDS)


class PlanForm(forms.ModelForm):
    class Meta:
        model = TariffPlan
        fields = list(services.PLAN_FIELDS)


class CompetitorForm(forms.ModelForm):
    class Meta:
        model = Competitor
        fields = list(services.COMPETITOR_FIELDS)
