"""The organisation (集团客户) list and the subscription list (renewals, collections)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wangge.core.permissions import can
from wangge.core.views import ScopedListView
from wangge.crm import selectors
from wangge.crm.models import Organization, Subscription, resurvey_days
from wangge.crm.permissions import Action
from wangge.crm.views.common import choice_param, flag_param, int_param, text_param
from wangge.org.models import Grid


class OrganizationListView(ScopedListView):
    model = Organization
    required_action = Action.VIEW
    template_name = "crm/organization_list.html"

    def get_queryset(self) -> QuerySet[Organization]:
        r = self.request
        return selectors.organization_list(
            user=r.user,
            q=text_param(r, "q"),
            grid_id=int_param(r, "grid"),
            stale=flag_param(r, "stale"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["grids"] = Grid.objects.visible_to(user).filter(is_active=True)
        ctx["resurvey_days"] = resurvey_days()
        ctx["can_create"] = can(user, Action.CREATE_CUSTOMER)
        return ctx


class SubscriptionListView(ScopedListView):
    model = Subscription
    required_action = Action.VIEW
    template_name = "crm/subscription_list.html"

    def get_queryset(self) -> QuerySet[Subscription]:
        r = self.request
        days = int_param(r, "expiring")
        return selectors.subscription_list(
            user=r.user,
            q=text_param(r, "q"),
            grid_id=int_param(r, "grid"),
            product_id=int_param(r, "product"),
            status=choice_param(r, "status", Subscription.Status),
            expiring_within=days if days in selectors.RENEWAL_WINDOWS else None,
            in_arrears=flag_param(r, "arrears"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["grids"] = Grid.objects.visible_to(user).filter(is_active=True)
        ctx["products"] = selectors.product_list(user=user)
        ctx["statuses"] = Subscription.Status.choices
        ctx["windows"] = selectors.RENEWAL_WINDOWS
        return ctx
