"""Products, tariff plans and competitors: read by all staff, kept by the market department."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.permissions import can
from wangge.crm import selectors, services
from wangge.crm.forms import CompetitorForm, PlanForm, ProductForm
from wangge.crm.models import Competitor, Product, TariffPlan
from wangge.crm.permissions import Action
from wangge.crm.views.common import allow, form_page


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, Action.VIEW))
    user = request.user
    return render(
        request,
        "crm/catalogue.html",
        {
            "products": selectors.product_list(user=user),
            "competitors": selectors.competitor_list(user=user),
            "can_manage": can(user, Action.MANAGE_CATALOGUE),
        },
    )


def _edit(
    request: HttpRequest,
    form_class: type[forms.ModelForm],
    instance: Model | None,
    *,
    create: Any,
    update: Any,
    title: str,
) -> HttpResponse:
    allow(can(request.user, Action.VIEW) and can(request.user, Action.MANAGE_CATALOGUE))
    form = form_class(request.POST or None, instance=instance)
    back = reverse("crm:catalogue")

    def save(d: dict[str, Any]) -> Model:
        if instance is None:
            return create(actor=request.user, **d)
        fresh = type(instance)._default_manager.get(pk=instance.pk)
        return update(fresh, d)

    return form_page(request, form, title=title, save=save, done=lambda o: back, cancel=back)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk) if pk else None
    return _edit(
        request,
        ProductForm,
        product,
        create=services.product_create,
        update=lambda p, d: services.product_update(actor=request.user, product=p, data=d),
        title=_("产品"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = get_object_or_404(TariffPlan, pk=pk) if pk else None
    return _edit(
        request,
        PlanForm,
        plan,
        create=services.tariff_plan_create,
        update=lambda p, d: services.tariff_plan_update(actor=request.user, plan=p, data=d),
        title=_("资费套餐"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def competitor_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    competitor = get_object_or_404(Competitor, pk=pk) if pk else None
    return _edit(
        request,
        CompetitorForm,
        competitor,
        create=services.competitor_create,
        update=lambda c, d: services.competitor_update(actor=request.user, competitor=c, data=d),
        title=_("竞争对手"),
    )
