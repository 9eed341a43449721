"""The sales pages' forms: choices only offer what the user may see, writes go to services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.pagination import rows_of, search_ids
from wangge.core.permissions import can
from wangge.crm import selectors as crm_selectors
from wangge.crm.models import Competitor, Customer, Product, TariffPlan
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.sales.models import Campaign, Opportunity, Visit
from wangge.sales.permissions import Action
from wangge.sales.services.dispatch import ASSIGNABLE_ROLES
from wangge.sales.widgets import QuickDateTimeInput, QuickHiddenInput, QuickSelect
from wangge.territory.models import Site

#: A picker on a phone lists at most this many customers; the search (`?cq=`) and the
#: customer's page (`?customer=`, preselected) reach the others.
PICKER_MAX = 200


def site_label(site: Site) -> str:
    """A site as pickers show it: two estates may both have a 3栋, two streets a 幸福小区,
    so its estate (a building's) and its code tell them apart."""
    parts = [site.name]
    if site.estate_id is not None and site.estate is not None:
        parts.append(site.estate.name)
    parts.append(site.code)
    return " · ".join(parts)


class SiteChoiceField(forms.ModelChoiceField):
    """A site picker labelled by `site_label` (give it a queryset with `estate` joined)."""

    def label_from_instance(self, obj: Any) -> str:
        return site_label(obj)


class SitesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return site_label(obj)


#: Sources set by where an opportunity came from (a QR lead, a company dispatch list, the
#: win-back list), never picked by hand.
SET_BY_ORIGIN = (
    Opportunity.Source.PROMOTION_QR,
    Opportunity.Source.DISPATCH,
    Opportunity.Source.WINBACK_LIST,
)


class VersionForm(forms.Form):
    """The version of the opportunity the user saw: the service refuses a stale one."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MoveForm(VersionForm):
    stage = forms.CharField(widget=forms.HiddenInput, max_length=16)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class LoseForm(VersionForm):
    reason = forms.ChoiceField(label=_("失败原因"), choices=Opportunity.LostReason.choices)
    note = forms.CharField(label=_("失败说明"), max_length=200, required=False)


class ReturnForm(VersionForm):
    reason = forms.CharField(label=_("退回原因"), max_length=500)


class WinForm(VersionForm):
    plan = forms.ModelChoiceField(
        label=_("资费套餐"), queryset=TariffPlan.objects.filter(is_active=True)
    )
    monthly_fee = forms.DecimalField(
        label=_("成交月费（元）"),
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        help_text=_("留空则按套餐标准月费。"),
    )
    account_no = forms.CharField(label=_("账号"), max_length=32, required=False)
    customer_name = forms.CharField(label=_("新客户名称"), max_length=64, required=False)
    customer_phone = forms.CharField(label=_("新客户电话"), max_length=20, required=False)

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = TariffPlan.objects.filter(is_active=True).select_related(  # type: ignore[attr-defined]
            "product"
        )
        if opportunity.customer_id is not None:
            del self.fields["customer_name"]
            del self.fields["customer_phone"]
        else:
            self.fields["customer_name"].initial = opportunity.contact_name
            self.fields["customer_phone"].initial = opportunity.contact_phone

    def new_customer(self) -> dict[str, str] | None:
        if "customer_name" not in self.fields:
            return None
        d = self.cleaned_data
        return {"name": d.get("customer_name", ""), "phone": d.get("customer_phone", "")}


def customer_choices(user: Any, preset: int | None, q: str = "") -> list[tuple[Any, str]]:
    """The customer picker's options, all of them customers the user sees: the one preset
    from the page the user came from, then the search's matches (the crm's customer
    search), or without a search one's own named accounts and then the others one sees
    (a grid manager owns none and picks from the grid's)."""
    staff_id = scope_for(user).staff_id
    visible = Customer.objects.visible_to(user).select_related("site")
    rows: list[Customer] = []
    if preset is not None:
        rows += list(visible.filter(pk=preset))
    others = visible.exclude(pk=preset or 0)
    if q:
        # As the customer list reads a search (`search_ids`): a one-character one is
        # thousands of matches, of which only the first found are sorted and offered.
        found = crm_selectors.customer_list(user=user, q=q)
        ids = [pk for pk in search_ids(found, PICKER_MAX) if pk != preset][:PICKER_MAX]
        rows += list(rows_of(found, ids))
    else:
        if staff_id is not None:
            rows += list(others.filter(owner_id=staff_id).order_by("name", "pk")[:PICKER_MAX])
            others = others.exclude(owner_id=staff_id)
        if len(rows) < PICKER_MAX:
            rows += list(others.order_by("name", "pk")[: PICKER_MAX - len(rows)])
    return [("", "—"), *((c.pk, f"{c.name} · {c.site.name}") for c in rows)]


def _my_sites(user: Any) -> QuerySet[Site]:
    """Sites to pick: those of the user's own grids (the market department: all it sees)."""
    scope = scope_for(user)
    qs = Site.objects.visible_to(user).select_related("estate").order_by("name", "code")
    if scope.grid_ids and not scope.everything:
        qs = qs.filter(grid_id__in=scope.grid_ids)
    return qs


class _TargetMixin:
    """A customer or a site: one of the two, both only from what the user sees."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def _setup_target(self, user: Any, preset_customer: int | None, q: str = "") -> None:
        customer = self.fields["customer"]
        customer.queryset = Customer.objects.visible_to(user).select_related("site")  # type: ignore[attr-defined]
        customer.widget.choices = customer_choices(user, preset_customer, q)
        self.fields["site"].queryset = _my_sites(user)  # type: ignore[attr-defined]

    def _clean_target(self) -> None:
        if not self.cleaned_data.get("customer") and not self.cleaned_data.get("site"):
            raise ValidationError(_("请选择客户或小区/楼宇。"))


class OpportunityForm(_TargetMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("客户"), queryset=Customer.objects.none(), required=False
    )
    site = SiteChoiceField(
        label=_("小区/楼宇/单位"),
        queryset=Site.objects.none(),
        required=False,
        help_text=_("没有客户档案时选择小区/楼宇。"),
    )
    kind = forms.ChoiceField(label=_("商机类型"), choices=Opportunity.Kind.choices)
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[c for c in Opportunity.Source.choices if c[0] not in SET_BY_ORIGIN],
    )
    product = forms.ModelChoiceField(
        label=_("意向产品"), queryset=Product.objects.filter(is_active=True), required=False
    )
    need = forms.CharField(
        label=_("需求描述"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    competitor = forms.ModelChoiceField(
        label=_("策反对象（竞争对手）"),
        queryset=Competitor.objects.filter(is_active=True),
        required=False,
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    expected_monthly = forms.DecimalField(
        label=_("预计月收入（元）"),
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        initial=Decimal("0.00"),
    )
    expected_close = forms.DateField(
        label=_("预计成交日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        preset_customer: int | None = None,
        customer_query: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_target(user, preset_customer, customer_query)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_target()
        return data


class OpportunityEditForm(VersionForm):
    """The fields a worker may change without a stage move (`services.opportunity_update`)."""

    kind = forms.ChoiceField(label=_("商机类型"), choices=Opportunity.Kind.choices)
    product = forms.ModelChoiceField(
        label=_("意向产品"), queryset=Product.objects.filter(is_active=True), required=False
    )
    need = forms.CharField(
        label=_("需求描述"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    competitor = forms.ModelChoiceField(
        label=_("策反对象（竞争对手）"),
        queryset=Competitor.objects.filter(is_active=True),
        required=False,
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    expected_monthly = forms.DecimalField(
        label=_("预计月收入（元）"), min_value=Decimal("0"), max_digits=10, decimal_places=2
    )
    expected_close = forms.DateField(
        label=_("预计成交日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    campaign = forms.ModelChoiceField(
        label=_("营销活动"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "version": opportunity.version,
                **{f: getattr(opportunity, f"{f}_id", None) for f in _RELATED},
                **{f: getattr(opportunity, f) for f in _PLAIN},
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            grid_id=opportunity.grid_id
        )


_RELATED = ("product", "competitor", "campaign")
_PLAIN = ("kind", "need", "contact_name", "contact_phone", "expected_monthly", "expected_close")


class VisitForm(_TargetMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("拜访方式"),
        choices=Visit.Kind.choices,
        initial=Visit.Kind.DOOR,
        widget=forms.RadioSelect,
    )
    customer = forms.ModelChoiceField(
        label=_("客户"), queryset=Customer.objects.none(), required=False
    )
    site = SiteChoiceField(label=_("小区/楼宇/单位"), queryset=Site.objects.none(), required=False)
    outcome = forms.ChoiceField(label=_("拜访结果"), choices=Visit.Outcome.choices)
    note = forms.CharField(
        label=_("情况记录"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_step = forms.CharField(label=_("下一步"), max_length=200, required=False)
    next_on = forms.DateField(
        label=_("下次跟进日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    opportunity = forms.ModelChoiceField(
        label=_("关联商机"), queryset=Opportunity.objects.none(), required=False
    )
    agent = forms.ModelChoiceField(
        label=_("督导的代理商"),
        queryset=Staff.objects.none(),
        required=False,
        help_text=_("渠道督导时选择被督导的代理商。"),
    )
    # Filled by the check-in button (static/js/sales-checkin.js) from the phone's position.
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    accuracy_m = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=0)
    position_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        user: Any,
        preset_customer: int | None = None,
        customer_query: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_target(user, preset_customer, customer_query)
        staff_id = scope_for(user).staff_id or -1
        self.fields["opportunity"].queryset = (  # type: ignore[attr-defined]
            Opportunity.objects.visible_to(user)
            .open()
            .filter(assignee_id=staff_id)
            .select_related("customer", "site")
        )
        if can(user, Action.REVIEW):
            self.fields["agent"].queryset = supervisable(user)  # type: ignore[attr-defined]
        else:
            # Supervising channels is a manager's visit: others log door and phone visits.
            del self.fields["agent"]
            kind = self.fields["kind"]
            kind.choices = [  # type: ignore[attr-defined]
                c for c in Visit.Kind.choices if c[0] != Visit.Kind.SUPERVISION
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_target()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError(_("经纬度必须同时提供。"))
        return data


class DispatchForm(VersionForm):
    """One row of the board: to a person of the opportunity's grid, or (the market
    department) to a grid's board."""

    # Drawn in Python (`sales.widgets`): the board repeats this form on every row.
    version = forms.IntegerField(widget=QuickHiddenInput, min_value=1)
    assignee = forms.ModelChoiceField(
        label=_("接单人"), queryset=Staff.objects.none(), required=False, widget=QuickSelect
    )
    grid = forms.ModelChoiceField(
        label=_("网格"), queryset=Grid.objects.none(), required=False, widget=QuickSelect
    )
    due = forms.DateTimeField(
        label=_("首次联系时限"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=QuickDateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(
        self,
        *args: Any,
        user: Any,
        opportunity: Opportunity,
        people: QuerySet[Staff] | None = None,
        grids: QuerySet[Grid] | None = None,
        **kwargs: Any,
    ) -> None:
        """`people` and `grids`: the choices when the caller already has them (the board
        builds them once per grid for all its rows, not once per row)."""
        super().__init__(*args, **kwargs)
        if people is None:
            people = assignable(opportunity.grid_id or opportunity.site.grid_id)
        self.fields["assignee"].queryset = people  # type: ignore[attr-defined]
        if scope_for(user).everything:
            if grids is None:
                grids = dispatch_grids(user)
            self.fields["grid"].queryset = grids  # type: ignore[attr-defined]
        else:
            del self.fields["grid"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("assignee") and not data.get("grid"):
            raise ValidationError(_("请指定接单人或网格（二选一）。"))
        return data


def dispatch_grids(user: Any) -> QuerySet[Grid]:
    """The grids the market department dispatches to."""
    return Grid.objects.visible_to(user).filter(is_active=True)


def assignable(grid_id: int | None) -> QuerySet[Staff]:
    """The people of the grid who may be handed a sale (no technicians)."""
    if grid_id is None:
        return Staff.objects.none()
    ids = GridMembership.objects.filter(grid_id=grid_id, role__in=ASSIGNABLE_ROLES).values(
        "staff_id"
    )
    return Staff.objects.filter(pk__in=ids).order_by("name")


def assignable_in(grid_ids: Iterable[int | None]) -> dict[int | None, list[Staff]]:
    """`assignable` of several grids in one query (a page of the board), by grid; every
    grid asked for is in the answer (no grid: nobody)."""
    wanted = set(grid_ids)
    out: dict[int | None, list[Staff]] = {g: [] for g in wanted}
    members = (
        GridMembership.objects.filter(
            grid_id__in=[g for g in wanted if g is not None], role__in=ASSIGNABLE_ROLES
        )
        .select_related("staff")
        .order_by("staff__name", "staff_id")
    )
    seen: set[tuple[int, int]] = set()
    for m in members:
        if (m.grid_id, m.staff_id) not in seen:  # a person with two roles in one grid
            seen.add((m.grid_id, m.staff_id))
            out[m.grid_id].append(m.staff)
    return out


def supervisable(user: Any) -> QuerySet[Staff]:
    """Agents a manager may supervise: those of the grids they lead (all, for the market
    department)."""
    agents = Staff.objects.filter(role=Role.AGENT).order_by("name")
    scope = scope_for(user)
    if scope.everything:
        return agents
    ids = GridMembership.objects.filter(grid_id__in=scope.managed_grid_ids).values("staff_id")
    return agents.filter(pk__in=ids)


def default_due() -> dt.datetime:
    """A first contact within a day, on the minute (what datetime-local shows)."""
    return clock.now().replace(second=0, microsecond=0) + dt.timedelta(hours=24)


class DayPlanForm(forms.Form):
    day = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sites = SitesChoiceField(
        label=_("计划拜访"),
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = _my_sites(user)  # type: ignore[attr-defined]
