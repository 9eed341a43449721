"""Work-order pages: the list, an order with its history and the actions the user may take,
the create form (a customer's call), the photos; the technician's phone list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core import clock, params
from wangge.core.access import scope_for
from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.org.models import Grid
from wangge.service import selectors_orders as selectors
from wangge.service.models import OrderKind, OrderState, WorkOrder
from wangge.service.permissions import Action
from wangge.service.services import orders as services
from wangge.service.views.orders_forms import ACTION_FORMS, OrderCreateForm

PAGE_SIZE = 30
#: Cards on the technician's phone (the most urgent); the rest are on the list page.
PHONE_CARDS = 30


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    g = request.GET
    qs = selectors.order_list(
        user=user,
        q=params.text_param(g, "q"),
        state=params.choice_param(g, "state", OrderState),
        kind=params.choice_param(g, "kind", OrderKind),
        grid_id=params.int_param(g, "grid"),
        mine=params.flag_param(g, "mine"),
        open_only=params.flag_param(g, "open"),
        overdue=params.flag_param(g, "overdue"),
    )
    paginator = BoundedPaginator(qs, PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(g))
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "service/orders/list.html",
        {
            "orders": page.object_list,
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
            "querystring": query.urlencode(),
            "states": OrderState.choices,
            "kinds": OrderKind.choices,
            "grids": Grid.objects.visible_to(user).order_by("code"),
            "now": clock.now(),
            "can_create": can(user, Action.CREATE),
        },
    )


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    """The technician's phone: today's open orders, the most urgent first."""
    user = request.user
    staff_id = scope_for(user).staff_id
    _allow(can(user, Action.WORK) and staff_id is not None)
    orders = selectors.technician_list(user=user, staff_id=staff_id or 0, limit=PHONE_CARDS + 1)
    return render(
        request,
        "service/orders/mine.html",
        # One more than shown tells whether the rest are on the list page.
        {"orders": orders[:PHONE_CARDS], "more": len(orders) > PHONE_CARDS, "now": clock.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.CREATE))
    customer_id = params.int_param(request.GET, "customer")
    site_id = params.int_param(request.GET, "site")
    form = OrderCreateForm(
        request.POST or None, user=user, customer_id=customer_id, site_id=site_id
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order, _created = services.work_order_create(
                actor=user,
                kind=d["kind"],
                source=WorkOrder.Source.CALL,
                customer=d["customer"],
                site=None if d["customer"] else d["site"],
                product=d["product"],
                description=d["description"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                address=d["address"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("工单已创建。"))
            return redirect("service:order_detail", order.code)
    return render(
        request,
        "service/orders/form.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def _forms(
    user: Any, order: WorkOrder, bound: dict[str, Any] | None = None
) -> list[tuple[str, Any, Any]]:
    out = []
    for name in services.allowed_actions(user, order):
        label = services.TRANSITIONS[name].label
        if bound and name in bound:
            out.append((name, label, bound[name]))
            continue
        cls = ACTION_FORMS[name]
        kwargs: dict[str, Any] = {"initial": {"version": order.version}}
        if name == "assign":
            kwargs["order"] = order
            kwargs["initial"]["assignee"] = order.assignee_id
        out.append((name, label, cls(**kwargs)))
    return out


def _detail(
    request: HttpRequest,
    order: WorkOrder,
    bound: dict[str, Any] | None = None,
    status: int = 200,
    alert: str = "",
) -> HttpResponse:
    return render(
        request,
        "service/orders/detail.html",
        {
            "order": order,
            "steps": selectors.order_steps(order=order),
            "photos": selectors.order_photos(order=order),
            "actions": _forms(request.user, order, bound),
            "now": clock.now(),
            "alert": alert,
        },
        status=status,
    )


@login_required
def order_detail(request: HttpRequest, code: str) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    return _detail(request, selectors.order_detail(user=request.user, code=code))


def _act(user: Any, order: WorkOrder, action: str, d: dict[str, Any]) -> WorkOrder:
    version = d["version"]
    if action == "assign":
        return services.work_order_assign(
            actor=user, order=order, assignee=d["assignee"], version=version, note=d["note"]
        )
    if action == "accept":
        return services.work_order_accept(actor=user, order=order, version=version)
    if action == "check_in":
        return services.work_order_check_in(
            actor=user,
            order=order,
            version=version,
            lat=d["lat"],
            lon=d["lon"],
            accuracy_m=d["accuracy_m"],
            position_at=d["position_at"],
        )
    if action == "complete":
        return services.work_order_complete(
            actor=user,
            order=order,
            version=version,
            result=d["result"],
            materials=d["materials"],
            customer_confirmed=d["customer_confirmed"],
            confirmed_by=d["confirmed_by"],
            photos=[d["photo"]] if d["photo"] else [],
        )
    if action == "close":
        return services.work_order_close(
            actor=user,
            order=order,
            version=version,
            follow_up=d["follow_up"],
            satisfied=d["satisfied"],
        )
    return services.work_order_cancel(actor=user, order=order, version=version, reason=d["reason"])


@login_required
@require_POST
def order_act(request: HttpRequest, code: str) -> HttpResponse:
    """One move of the state machine; the form names it (`action`)."""
    user = request.user
    action = request.POST.get("action", "")
    _allow(can(user, Action.VIEW) and action in ACTION_FORMS)
    order = selectors.order_detail(user=user, code=code)
    # The right is checked here, the state by the service: an order that moved on since the
    # page was loaded gets its clear message, not a missing page.
    _allow(can(user, services.TRANSITIONS[action].right, order))
    cls = ACTION_FORMS[action]
    kwargs: dict[str, Any] = {"order": order} if action == "assign" else {}
    form = cls(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        try:
            order = _act(user, order, action, form.cleaned_data)
        except StaleVersion:
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            if not WorkOrder.objects.visible_to(user).filter(pk=order.pk).exists():
                return redirect("service:order_list")
            return redirect("service:order_detail", order.code)
    order.refresh_from_db()
    alert = " ".join(str(e) for e in form.non_field_errors())
    if action in services.allowed_actions(user, order):
        alert = ""  # shown on the action's own form
    return _detail(request, order, bound={action: form}, status=400, alert=alert)


@login_required
def order_photo(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    photo = selectors.photo_detail(user=request.user, pk=pk)
    response = HttpResponse(bytes(photo.data), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urls = [
    path("orders/", order_list, name="order_list"),
    path("orders/mine/", my_orders, name="my_orders"),
    path("orders/new/", order_create, name="order_create"),
    path("orders/photos/<int:pk>/", order_photo, name="order_photo"),
    path("orders/<str:code>/", order_detail, name="order_detail"),
    path("orders/<str:code>/act/", order_act, name="order_act"),
]
