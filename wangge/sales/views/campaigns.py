"""Team sales (团队销售) pages: campaigns with their members, opportunities and results; and
the grid's win-back list (策反)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.forms import add_service_errors
from wangge.core.params import int_param
from wangge.core.permissions import can
from wangge.core.views import ScopedListView
from wangge.crm.models import Competitor, Customer
from wangge.crm.views.common import allow
from wangge.org.models import Grid, GridMembership, Staff
from wangge.sales import selectors, services
from wangge.sales.forms import SiteChoiceField
from wangge.sales.models import Campaign, Opportunity
from wangge.sales.permissions import Action
from wangge.sales.services.campaigns import campaign_opportunity_create, winback_open
from wangge.territory.models import Site


def _grid_sites(user: Any, grid_id: int | None) -> QuerySet[Site]:
    return (
        Site.objects.visible_to(user)
        .filter(grid_id=grid_id)
        .select_related("estate")
        .order_by("name", "code")
    )


class CampaignForm(forms.ModelForm):
    site = SiteChoiceField(
        label=gettext_lazy("小区/楼宇"), queryset=Site.objects.none(), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("参加人员"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "kind",
            "site",
            "customer",
            "starts_on",
            "ends_on",
            "target_count",
            "note",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, grid: Grid, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the grid's own sites, organisations and people, of those the user sees, are
        # on offer; the service checks the grid for requests that do not come from here.
        self.fields["site"].queryset = _grid_sites(user, grid.pk)  # type: ignore[attr-defined]
        self.fields["customer"].queryset = (  # type: ignore[attr-defined]
            Customer.objects.visible_to(user)
            .filter(site__grid=grid, kind=Customer.Kind.GROUP)
            .order_by("name", "pk")
        )
        self.fields["members"].queryset = (  # type: ignore[attr-defined]
            Staff.objects.visible_to(user)
            .filter(pk__in=GridMembership.objects.filter(grid=grid).values("staff_id"))
            .order_by("name", "pk")
        )

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        start, end = d.get("starts_on"), d.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return d

    def _post_clean(self) -> None:
        # The model's checks run in the service (audited, in its transaction).
        pass


class CampaignListView(ScopedListView):
    model = Campaign
    required_action = Action.VIEW
    template_name = "sales/campaign_list.html"

    def get_queryset(self) -> Any:
        r = self.request
        return selectors.campaign_list(user=r.user, grid_id=int_param(r.GET, "grid")).order_by(
            "-starts_on", "-id"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["grids"] = Grid.objects.visible_to(self.request.user).filter(is_active=True)
        ctx["can_create"] = can(self.request.user, Action.CAMPAIGN)
        return ctx


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    allow(can(request.user, Action.VIEW))
    return get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("grid", "site", "customer"),
        pk=pk,
    )


def _managed_grids(request: HttpRequest) -> QuerySet[Grid]:
    grids = Grid.objects.visible_to(request.user).filter(is_active=True).order_by("code")
    return grids.filter(pk__in=[g.pk for g in grids if can(request.user, Action.CAMPAIGN, g)])


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    """Pick the grid first (its sites, organisations and people fill the form)."""
    allow(can(request.user, Action.CAMPAIGN))
    grids = _managed_grids(request)
    grid_id = int_param(request.GET, "grid")
    grid = grids.filter(pk=grid_id).first() if grid_id is not None else None
    if grid is None and grids.count() == 1:
        grid = grids.first()
    if grid is None:
        return render(request, "sales/campaign_grid_pick.html", {"grids": grids})
    form = CampaignForm(request.POST or None, user=request.user, grid=grid)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        members = d.pop("members")
        try:
            campaign = services.campaign_create(actor=request.user, grid=grid, members=members, **d)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("sales:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "sales/campaign_form.html",
        {
            "form": form,
            "title": _("新建营销活动（%(grid)s）") % {"grid": grid.name},
            "cancel": reverse("sales:campaign_list"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    allow(can(request.user, Action.CAMPAIGN, campaign.grid))
    initial = {"members": list(campaign.members.all())}
    form = CampaignForm(
        request.POST or None,
        user=request.user,
        instance=campaign,
        grid=campaign.grid,
        initial=initial,
    )
    back = reverse("sales:campaign_detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        members = d.pop("members")
        try:
            services.campaign_update(
                actor=request.user,
                campaign=Campaign.objects.get(pk=pk),
                data=d,
                members=members,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(back)
    return render(
        request,
        "sales/campaign_form.html",
        {"form": form, "title": _("编辑营销活动"), "cancel": back},
    )


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    opps = selectors.opportunity_list(user=request.user, campaign_id=campaign.pk)[:50]
    return render(
        request,
        "sales/campaign_detail.html",
        {
            "campaign": campaign,
            "members": campaign.members.order_by("name"),
            "opportunities": opps,
            "results": selectors.campaign_results(user=request.user, campaign=campaign),
            "can_edit": can(request.user, Action.CAMPAIGN, campaign.grid),
            "can_raise": can(request.user, Action.CREATE),
        },
    )


class CampaignOpportunityForm(forms.Form):
    site = SiteChoiceField(
        label=gettext_lazy("小区/楼宇/单位"), queryset=Site.objects.none(), required=False
    )
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    need = forms.CharField(
        label=gettext_lazy("需求描述"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expected_monthly = forms.DecimalField(
        label=gettext_lazy("预计月收入（元）"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
    )

    def __init__(self, *args: Any, user: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        field.queryset = _grid_sites(user, campaign.grid_id)  # type: ignore[attr-defined]
        if campaign.customer_id is not None:
            del self.fields["site"]  # the organisation's campaign: its need, at its site
        else:
            field.required = True
            field.initial = campaign.site_id


@login_required
@require_http_methods(["GET", "POST"])
def campaign_opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a new opportunity met during the campaign, linked to it."""
    campaign = _campaign(request, pk)
    allow(can(request.user, Action.CREATE))
    form = CampaignOpportunityForm(request.POST or None, user=request.user, campaign=campaign)
    back = reverse("sales:campaign_detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        d["expected_monthly"] = d.get("expected_monthly") or Decimal("0.00")
        try:
            opp = campaign_opportunity_create(
                actor=request.user,
                campaign=campaign,
                customer=campaign.customer,
                **d,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("商机 %(code)s 已登记并关联到活动。") % {"code": opp.code})
            return redirect(back)
    return render(
        request,
        "sales/campaign_form.html",
        {
            "form": form,
            "title": _("为活动登记商机：%(name)s") % {"name": campaign.name},
            "cancel": back,
        },
    )


class WinbackListView(ScopedListView):
    """Competitors' customers on file with no open opportunity, to win back (策反)."""

    model = Customer
    required_action = Action.WORK
    template_name = "sales/winback_list.html"

    def get_queryset(self) -> Any:
        r = self.request
        qs = selectors.winback_list(user=r.user, grid_id=int_param(r.GET, "grid"))
        competitor = int_param(r.GET, "competitor")
        if competitor is not None:
            qs = qs.filter(current_provider_id=competitor)
        return qs.select_related("organization").order_by("site__name", "name", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["grids"] = Grid.objects.visible_to(self.request.user).filter(is_active=True)
        ctx["competitors"] = Competitor.objects.order_by("name")
        return ctx


@login_required
@require_POST
def winback_create(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: a win-back opportunity on the customer, competitor filled in."""
    allow(can(request.user, Action.WORK))
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    try:
        opp: Opportunity = winback_open(actor=request.user, customer=customer)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("sales:winback_list")
    messages.success(request, _("已为 %(name)s 建立策反商机。") % {"name": customer.name})
    return redirect("sales:opportunity_detail", pk=opp.pk)


urls: list[URLPattern] = [
    path("campaigns/", CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/opportunity/", campaign_opportunity, name="campaign_opportunity"),
    path("winback/", WinbackListView.as_view(), name="winback_list"),
    path("winback/<int:pk>/open/", winback_create, name="winback_open"),
]
