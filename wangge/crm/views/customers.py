"""Customer pages: the list (the owner's named-account list), detail with timeline, edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.core.views import ScopedListView
from wangge.crm import selectors, services
from wangge.crm.forms import (
    ContactForm,
    CustomerForm,
    GroupCustomerForm,
    NoteForm,
    OrganizationForm,
    SubscriptionForm,
)
from wangge.crm.models import Contact, Customer, Organization, Subscription, resurvey_days
from wangge.crm.permissions import Action
from wangge.crm.timeline import customer_timeline
from wangge.crm.views.common import (
    allow,
    choice_param,
    flag_param,
    form_page,
    int_param,
    text_param,
)
from wangge.org.models import Grid, Staff


def _customer(request: HttpRequest, pk: int) -> Customer:
    allow(can(request.user, Action.VIEW))
    return selectors.customer_detail(user=request.user, pk=pk)


def _editable(request: HttpRequest, pk: int) -> Customer:
    customer = _customer(request, pk)
    allow(can(request.user, Action.EDIT_CUSTOMER, customer))
    return customer


def _me(request: HttpRequest) -> Staff | None:
    staff_id = scope_for(request.user).staff_id
    return Staff.objects.filter(pk=staff_id).first() if staff_id else None


class CustomerListView(ScopedListView):
    model = Customer
    required_action = Action.VIEW
    template_name = "crm/customer_list.html"

    def get_queryset(self) -> QuerySet[Customer]:
        r = self.request
        mine = flag_param(r, "mine")
        return selectors.customer_list(
            user=r.user,
            q=text_param(r, "q"),
            grid_id=int_param(r, "grid"),
            kind=choice_param(r, "kind", Customer.Kind),
            relationship=choice_param(r, "relationship", Customer.Relationship),
            tier=choice_param(r, "tier", Customer.Tier),
            product_id=int_param(r, "product"),
            stale=flag_param(r, "stale"),
            owner_id=(scope_for(r.user).staff_id or -1) if mine else None,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            grids=Grid.objects.visible_to(user).filter(is_active=True),
            products=selectors.product_list(user=user).filter(is_active=True),
            kinds=Customer.Kind.choices,
            relationships=Customer.Relationship.choices,
            tiers=Customer.Tier.choices,
            resurvey_days=resurvey_days(),
            my_resurvey=selectors.my_resurvey_count(user=user),
            can_create=can(user, Action.CREATE_CUSTOMER),
        )
        return ctx


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    user = request.user
    org = getattr(customer, "organization", None)
    return render(
        request,
        "crm/customer_detail.html",
        {
            "customer": customer,
            "org": org,
            "contacts": customer.contacts.all(),
            "subscriptions": selectors.customer_subscriptions(customer=customer),
            "timeline": customer_timeline(user=user, customer=customer),
            "note_form": NoteForm(),
            "can_edit": can(user, Action.EDIT_CUSTOMER, customer),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, Action.VIEW) and can(request.user, Action.CREATE_CUSTOMER))
    form = CustomerForm(
        request.POST or None,
        user=request.user,
        initial={"owner": _me(request), "relationship": Customer.Relationship.POTENTIAL},
    )

    def save(d: dict[str, Any]) -> Customer:
        fields = {k: d[k] for k in services.CUSTOMER_FIELDS}
        return services.customer_create(actor=request.user, verified=d["verified"], **fields)

    return form_page(
        request,
        form,
        title=_("新建个人/家庭客户"),
        save=save,
        done=lambda c: reverse("crm:customer_detail", args=[c.pk]),
        cancel=reverse("crm:customer_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, Action.VIEW) and can(request.user, Action.CREATE_CUSTOMER))
    form = GroupCustomerForm(
        request.POST or None,
        user=request.user,
        initial={"owner": _me(request), "relationship": Customer.Relationship.POTENTIAL},
    )
    survey = OrganizationForm(request.POST or None)

    def save(d: dict[str, Any]) -> Customer:
        org = services.organization_create(
            actor=request.user,
            verified=d["verified"],
            **{k: d[k] for k in GroupCustomerForm.Meta.fields},
            **{k: d[k] for k in services.ORGANIZATION_FIELDS},
        )
        return org.customer

    return form_page(
        request,
        form,
        extra_forms=(survey,),
        title=_("新建集团客户"),
        save=save,
        done=lambda c: reverse("crm:customer_detail", args=[c.pk]),
        cancel=reverse("crm:organization_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _editable(request, pk)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if customer.kind == Customer.Kind.GROUP:
        # Renamed through the survey (集团单位名称); its phones are the survey's too.
        del form.fields["name"]
        del form.fields["phone"]

    def save(d: dict[str, Any]) -> Customer:
        fresh = Customer.objects.select_related("site").get(pk=pk)
        data = {k: d[k] for k in services.CUSTOMER_FIELDS if k in form.fields}
        return services.customer_update(
            actor=request.user,
            customer=fresh,
            data=data,
            verified=d["verified"],
            version=d.get("version"),
        )

    return form_page(
        request,
        form,
        title=_("编辑客户 %(name)s") % {"name": customer.name},
        save=save,
        done=lambda c: reverse("crm:customer_detail", args=[c.pk]),
        cancel=reverse("crm:customer_detail", args=[pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _editable(request, pk)
    org = get_object_or_404(Organization, customer=customer)
    form = OrganizationForm(request.POST or None, instance=org)

    def save(d: dict[str, Any]) -> Organization:
        fresh = Organization.objects.select_related("customer__site").get(pk=pk)
        data = {k: d[k] for k in services.ORGANIZATION_FIELDS}
        return services.organization_update(
            actor=request.user,
            organization=fresh,
            data=data,
            verified=d["verified"],
            version=d.get("version"),
        )

    return form_page(
        request,
        form,
        title=_("集团客户信息调查：%(name)s") % {"name": org.name},
        save=save,
        done=lambda o: reverse("crm:customer_detail", args=[pk]),
        cancel=reverse("crm:customer_detail", args=[pk]),
    )


@login_required
@require_POST
def customer_verify(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _editable(request, pk)
    services.customer_verify(actor=request.user, customer=customer)
    messages.success(request, _("已确认信息无变化，核实时间已更新。"))
    return redirect("crm:customer_detail", pk=pk)


@login_required
@require_POST
def note_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    allow(can(request.user, Action.NOTE_CUSTOMER, customer))
    form = NoteForm(request.POST)
    if form.is_valid() and form.cleaned_data["text"].strip():
        services.note_create(actor=request.user, customer=customer, text=form.cleaned_data["text"])
    else:
        messages.error(request, _("备注内容不能为空。"))
    return redirect("crm:customer_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _editable(request, pk)
    form = ContactForm(request.POST or None)
    return form_page(
        request,
        form,
        title=_("新增联系人：%(name)s") % {"name": customer.name},
        save=lambda d: services.contact_create(actor=request.user, customer=customer, **d),
        done=lambda c: reverse("crm:customer_detail", args=[pk]),
        cancel=reverse("crm:customer_detail", args=[pk]),
    )


def _contact(request: HttpRequest, pk: int) -> Contact:
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)
    _editable(request, contact.customer_id)
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    back = reverse("crm:customer_detail", args=[contact.customer_id])
    form = ContactForm(request.POST or None, instance=contact)

    def save(d: dict[str, Any]) -> Contact:
        fresh = Contact.objects.select_related("customer__site").get(pk=pk)
        return services.contact_update(actor=request.user, contact=fresh, data=d)

    return form_page(
        request,
        form,
        title=_("编辑联系人"),
        save=save,
        done=lambda c: back,
        cancel=back,
    )


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    customer_id = contact.customer_id
    services.contact_delete(actor=request.user, contact=contact)
    return redirect("crm:customer_detail", pk=customer_id)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _editable(request, pk)
    form = SubscriptionForm(request.POST or None, user=request.user)

    def save(d: dict[str, Any]) -> Subscription:
        return services.subscription_create(actor=request.user, customer=customer, **d)

    return form_page(
        request,
        form,
        title=_("新增订购：%(name)s") % {"name": customer.name},
        save=save,
        done=lambda s: reverse("crm:customer_detail", args=[pk]),
        cancel=reverse("crm:customer_detail", args=[pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    allow(can(request.user, Action.VIEW))
    sub = get_object_or_404(Subscription.objects.visible_to(request.user), pk=pk)
    customer = _editable(request, sub.customer_id)
    back = reverse("crm:customer_detail", args=[customer.pk])
    form = SubscriptionForm(request.POST or None, instance=sub, user=request.user)

    def save(d: dict[str, Any]) -> Subscription:
        fresh = Subscription.objects.select_related("customer__site").get(pk=pk)
        version = d.pop("version", None)
        if d.get("monthly_fee") is None:
            d["monthly_fee"] = d["plan"].monthly_price
        return services.subscription_update(
            actor=request.user, subscription=fresh, data=d, version=version
        )

    return form_page(
        request, form, title=_("编辑订购"), save=save, done=lambda s: back, cancel=back
    )
