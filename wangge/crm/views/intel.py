"""Competitor intelligence pages, and the market section of a site."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.permissions import can
from wangge.core.views import ScopedListView
from wangge.crm import selectors, services
from wangge.crm.forms import IntelForm, OfferForm
from wangge.crm.models import CompetitorIntel, CompetitorOffer, resurvey_days
from wangge.crm.permissions import Action
from wangge.crm.views.common import allow, flag_param, form_page, int_param, text_param
from wangge.org.models import Grid
from wangge.territory.models import Site


class IntelListView(ScopedListView):
    model = CompetitorIntel
    required_action = Action.VIEW
    template_name = "crm/intel_list.html"

    def get_queryset(self) -> QuerySet[CompetitorIntel]:
        r = self.request
        return selectors.intel_list(
            user=r.user,
            q=text_param(r, "q"),
            grid_id=int_param(r, "grid"),
            competitor_id=int_param(r, "competitor"),
            stale=flag_param(r, "stale"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["grids"] = Grid.objects.visible_to(user).filter(is_active=True)
        ctx["competitors"] = selectors.competitor_list(user=user)
        ctx["resurvey_days"] = resurvey_days()
        return ctx


def _intel(request: HttpRequest, pk: int) -> CompetitorIntel:
    allow(can(request.user, Action.VIEW))
    return selectors.intel_detail(user=request.user, pk=pk)


def _surveyable(request: HttpRequest, pk: int) -> CompetitorIntel:
    intel = _intel(request, pk)
    allow(can(request.user, Action.SURVEY_SITE, intel.site))
    return intel


@login_required
@require_GET
def intel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intel = _intel(request, pk)
    return render(
        request,
        "crm/intel_detail.html",
        {
            "intel": intel,
            "offers": intel.offers.order_by("-seen_on", "-id"),
            "can_survey": can(request.user, Action.SURVEY_SITE, intel.site),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def intel_create(request: HttpRequest, site_pk: int) -> HttpResponse:
    allow(can(request.user, Action.VIEW))
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=site_pk)
    allow(can(request.user, Action.SURVEY_SITE, site))
    form = IntelForm(request.POST or None, user=request.user, instance=CompetitorIntel(site=site))

    def save(d: dict[str, Any]) -> CompetitorIntel:
        verified = d.pop("verified")
        return services.competitor_intel_create(
            actor=request.user, site=site, verified=verified, **d
        )

    return form_page(
        request,
        form,
        title=_("新增竞争情报：%(site)s") % {"site": site.name},
        save=save,
        done=lambda i: reverse("crm:intel_detail", args=[i.pk]),
        cancel=reverse("crm:site_market", args=[site.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def intel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    intel = _surveyable(request, pk)
    form = IntelForm(request.POST or None, user=request.user, instance=intel)
    back = reverse("crm:intel_detail", args=[pk])

    def save(d: dict[str, Any]) -> CompetitorIntel:
        fresh = CompetitorIntel.objects.select_related("site").get(pk=pk)
        verified = d.pop("verified")
        return services.competitor_intel_update(
            actor=request.user, intel=fresh, data=d, verified=verified
        )

    return form_page(
        request, form, title=_("编辑竞争情报"), save=save, done=lambda i: back, cancel=back
    )


@login_required
@require_POST
def intel_verify(request: HttpRequest, pk: int) -> HttpResponse:
    intel = _surveyable(request, pk)
    services.competitor_intel_verify(actor=request.user, intel=intel)
    messages.success(request, _("已确认信息无变化，核实时间已更新。"))
    return redirect("crm:intel_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest, pk: int) -> HttpResponse:
    intel = _surveyable(request, pk)
    form = OfferForm(request.POST or None)
    back = reverse("crm:intel_detail", args=[pk])

    def save(d: dict[str, Any]) -> CompetitorOffer:
        d.pop("ended_on", None)
        return services.competitor_offer_create(actor=request.user, intel=intel, **d)

    return form_page(
        request, form, title=_("新增资费"), save=save, done=lambda o: back, cancel=back
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    allow(can(request.user, Action.VIEW))
    offer = get_object_or_404(CompetitorOffer.objects.visible_to(request.user), pk=pk)
    _surveyable(request, offer.intel_id)
    form = OfferForm(request.POST or None, instance=offer)
    back = reverse("crm:intel_detail", args=[offer.intel_id])

    def save(d: dict[str, Any]) -> CompetitorOffer:
        fresh = CompetitorOffer.objects.select_related("intel__site").get(pk=pk)
        return services.competitor_offer_update(actor=request.user, offer=fresh, data=d)

    return form_page(
        request, form, title=_("编辑资费"), save=save, done=lambda o: back, cancel=back
    )


@login_required
@require_GET
def site_market(request: HttpRequest, site_pk: int) -> HttpResponse:
    """The site's market section on its own page (the site page includes the same partial)."""
    allow(can(request.user, Action.VIEW))
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=site_pk)
    market = selectors.site_market(user=request.user, site=site)
    return render(request, "crm/site_market.html", {"site": site, "market": market})
