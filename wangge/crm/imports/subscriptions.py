"""Excel import/export of subscriptions (订购), keyed by the billing system's 业务账号.

A row names its customer by 客户编号 and its plan by code or name. Who may write a row is
who may edit the customer (`rules.can_edit_customer`: the market department, the manager
of the customer's grid, the customer's named owner); a customer the importer cannot see
reads as unknown, so a file cannot probe another grid's customer numbers.

Writes are bulk (`bulk_create`, `bulk_update_changed`, one audit entry per subscription
via `bulk_audit`): the county has hundreds of thousands of subscriptions, and the service
writes one with a validation query, an insert and an audit insert each. `save`, for a
single row, goes through the services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, WriteItem, register
from wangge.core.imports.bulk import BulkWriter
from wangge.core.imports.parsers import match_key
from wangge.core.imports.spec import RowErrors, WriteError
from wangge.core.params import int_param, text_param
from wangge.core.permissions import can
from wangge.crm import selectors, services
from wangge.crm.models import Customer, Subscription, TariffPlan
from wangge.crm.permissions import Action

#: The largest amount a money field (10 digits, 2 places) holds.
MAX_MONEY = Decimal("99999999.99")
_MONEY: dict[str, Any] = {"min_value": Decimal(0), "max_value": MAX_MONEY}
#: Model fields a row may set (besides the customer, fixed once created).
FIELDS = services.SUBSCRIPTION_FIELDS
#: What the import reads of a subscription's customer and plan (the plan's name for the
#: audit entry's `str(subscription)`: deferred, it would cost a query per updated line).
RELATED = ("customer__code", "customer__owner", "customer__site__grid", "plan__code", "plan__name")
#: The list page's query parameters and the selector arguments they become.
PAGE_PARAMS = {"q": "q", "grid": "grid_id", "product": "product_id", "status": "status",
               "expiring": "expiring_within", "arrears": "in_arrears"}  # fmt: skip


def visible(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """`qs` narrowed to the user's scope (`SYSTEM` sees everything)."""
    return qs.visible_to(user)  # type: ignore[attr-defined]


def _right(sub: Subscription | None) -> str:
    """A new subscription is a sale (who keeps the customer); a change to one is renewal or
    collection work (the grid's account marketers too), as in the services."""
    return Action.EDIT_CUSTOMER if sub is None else Action.EDIT_SUBSCRIPTION


class SubscriptionSpec(ImportSpec):
    kind = "subscriptions"
    label = gettext_lazy("订购")
    model = Subscription
    natural_key = ("account_no",)
    export_action = Action.VIEW
    chunk_size = 2000
    columns = (
        Column("account_no", "业务账号", required=True, max_length=32, example="SD20220001",
               aliases=("账号", "宽带账号", "用户账号")),
        Column("customer", "客户编号", "ref", max_length=32, example="KH00000001",
               aliases=("客户号",), required_on_create=True),
        Column("plan", "资费套餐", "ref", max_length=100, example="BB-300",
               aliases=("套餐", "套餐编码", "套餐名称"),
               required_on_create=True, help=gettext_lazy("套餐编码或套餐名称")),
        Column("started_on", "开通日期", "date", example="2022-10-10",
               aliases=("开户日期", "开通时间"), required_on_create=True),
        Column("expires_on", "到期日期", "date", example="2023-10-09",
               aliases=("到期时间",), help=gettext_lazy("不填表示按月续用")),
        Column("monthly_fee", "月费（元）", "money", example="68.00", aliases=("月租",),
               help=gettext_lazy("新建时不填则按套餐资费"), **_MONEY),
        Column("status", "状态", "choice", choices=Subscription.Status.choices, example="在用",
               aliases=("订购状态",)),
        Column("arrears", "欠费金额（元）", "money", example="0", aliases=("欠费",), **_MONEY),
    )  # fmt: skip

    # --- rights and scope ---------------------------------------------------------------

    def can_import(self, user: Any) -> bool:
        """Whoever works subscriptions (rows are checked one by one: the customer's)."""
        return can(user, Action.VIEW) and can(user, Action.EDIT_SUBSCRIPTION)

    def existing_queryset(self) -> QuerySet[Subscription]:
        # The account index is partial (blank numbers may repeat); saying so lets SQLite
        # and PostgreSQL use it for `account_no IN (…)`, which they cannot prove alone.
        # Of the customer only what the rights check and the messages read: a re-import
        # of 100,000 lines loads as many customers. The stored grid too: the write checks it
        # (`subscriptions_written`), and deferred it would cost a query a line.
        return (
            Subscription.objects.exclude(account_no="")
            .select_related("customer__site", "plan")
            .only(*FIELDS, "customer", "grid", *RELATED)
        )

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        return {o.pk for o in objs if can(user, Action.EDIT_SUBSCRIPTION, o.customer)}

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The subscription list page's filters (`views.lists.SubscriptionListView`),
        through its selector so an export holds exactly the rows the page lists."""
        status = params.get("status", "")
        days = int_param(params, "expiring")
        filters: dict[str, Any] = {
            "q": text_param(params, "q"),
            "grid_id": int_param(params, "grid"),
            "product_id": int_param(params, "product"),
            "status": status if status in Subscription.Status.values else "",
            "expiring_within": days if days in selectors.RENEWAL_WINDOWS else None,
            "in_arrears": params.get("arrears") == "1",
        }
        qs = selectors.subscription_list(user=user, **filters)
        return qs, used_filters(params, filters, PAGE_PARAMS)

    # --- reading ------------------------------------------------------------------------

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        if "plans" not in ctx.cache:
            ctx.cache["plans"] = self._plans()
        # A line that names the customer it already has needs no lookup (re-imports).
        codes = {
            d.values["customer"]
            for d in drafts
            if "customer" in d.values
            and (d.existing is None or d.existing.customer.code != d.values["customer"])
        }
        found = (
            visible(Customer.objects.all(), user)
            .filter(code__in=codes)
            .select_related("site")
            .only("id", "code", "owner_id", "site_id", "site__grid_id")
        )
        ctx.cache["customers"] = {c.code: c for c in found}

    def _plans(self) -> dict[str, TariffPlan | None]:
        """Plans by loose code and name; a name two plans share maps to None (ambiguous)."""
        plans = list(TariffPlan.objects.all())
        index: dict[str, TariffPlan | None] = {}
        for plan in plans:
            key = match_key(plan.name)
            index[key] = None if key in index and index[key] != plan else plan
        for plan in plans:
            index[match_key(plan.code)] = plan  # a code wins over another plan's name
        return index

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        sub: Subscription | None = ctx.existing
        errors: RowErrors = []
        cleaned = {k: v for k, v in values.items() if k in FIELDS}
        if "customer" in values:
            customer = ctx.cache["customers"].get(values["customer"])
            if sub is not None and values["customer"] == sub.customer.code:
                customer = sub.customer
            if customer is None:
                errors.append(("customer", _("没有这个客户编号")))
            elif sub is not None and customer.pk != sub.customer_id:
                errors.append(
                    (
                        "customer",
                        _("该业务账号属于客户 %(code)s，不能改到其他客户")
                        % {"code": sub.customer.code},
                    )
                )
            elif not can(user, _right(sub), customer):
                errors.append(("customer", _("您不能修改这个客户的订购")))
            elif sub is None:
                cleaned["customer"] = customer
        elif sub is None:
            errors.append(("customer", _("新建时必须填写")))
        plan: TariffPlan | None = sub.plan if sub is not None else None
        if "plan" in values:
            key = match_key(values["plan"])
            plan = ctx.cache["plans"].get(key)
            if plan is None:
                ambiguous = key in ctx.cache["plans"]
                errors.append(
                    (
                        "plan",
                        _("有多个套餐叫这个名称，请填套餐编码")
                        if ambiguous
                        else _("没有这个资费套餐（请填套餐编码或套餐名称）"),
                    )
                )
            else:
                cleaned["plan"] = plan
        elif sub is None:
            errors.append(("plan", _("新建时必须填写")))
        if sub is None:
            if "started_on" not in values:
                errors.append(("started_on", _("新建时必须填写")))
            if plan is not None and "monthly_fee" not in values:
                cleaned["monthly_fee"] = services.subscription_fee(plan=plan, monthly_fee=None)
        errors += self._dates(cleaned, sub, ctx.failed)
        return cleaned, errors

    def _dates(
        self, cleaned: dict[str, Any], sub: Subscription | None, failed: set[str]
    ) -> RowErrors:
        if failed & {"started_on", "expires_on"}:
            return []
        start = cleaned.get("started_on", sub.started_on if sub else None)
        end = cleaned.get("expires_on", sub.expires_on if sub else None)
        if start is None or end is None or end >= start:
            return []
        # Said on the column the row filled in; the other date is the record's.
        key = (
            "expires_on" if "expires_on" in cleaned or "started_on" not in cleaned else "started_on"
        )
        return [(key, _("到期日期不能早于开通日期（%(date)s）") % {"date": start.isoformat()})]

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        out = super().diff(obj, {k: v for k, v in cleaned.items() if k != "plan"})
        plan = cleaned.get("plan")
        if plan is not None and plan.pk != obj.plan_id:
            out.append(("plan", obj.plan.code, plan.code))
        return out

    # --- writing ------------------------------------------------------------------------

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        data = {k: v for k, v in cleaned.items() if k in FIELDS}
        if existing is None:
            sub = services.subscription_create(actor=user, customer=cleaned["customer"], **data)
            return sub, True
        return services.subscription_update(actor=user, subscription=existing, data=data), False

    def save_many(self, user: Any, items: Sequence[WriteItem]) -> None:
        writer = BulkWriter(Subscription)
        created: list[Subscription] = []
        for item in items:
            data = {k: v for k, v in item.cleaned.items() if k in FIELDS}
            sub = item.existing
            # Checked in `clean_row` already; repeated because a write must never pass
            # scope on the strength of an earlier step alone.
            customer = item.cleaned.get("customer") if sub is None else sub.customer
            if not can(user, _right(sub), customer):
                raise WriteError(item.row, _("您没有修改这条记录的权限。"))
            if sub is None:
                created.append(Subscription(customer=customer, **data))
                item.obj = writer.create(created[-1])
            else:
                writer.update(sub, data)
                item.obj = sub
        writer.flush(user)
        services.subscriptions_announce(created)  # on commit: a refused import announces none

    # --- exporting ----------------------------------------------------------------------

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        # Only the columns written: the list page's joins (site, owner, product) would
        # load four more objects per line of a 100,000-line export.
        return (
            qs.select_related(None)
            .select_related("customer", "plan")
            .only(*FIELDS, "customer__code", "plan__code")
        )

    def export_row(self, obj: Any) -> dict[str, Any]:
        return {
            "account_no": obj.account_no,
            "customer": obj.customer.code,
            "plan": obj.plan.code,
            "started_on": obj.started_on,
            "expires_on": obj.expires_on,
            "monthly_fee": obj.monthly_fee,
            "status": obj.status,
            "arrears": obj.arrears,
        }


def used_filters(
    params: Mapping[str, str], filters: Mapping[str, Any], names: Mapping[str, str]
) -> dict[str, str]:
    """The page's parameters that narrowed the list (`names`: parameter → selector
    argument), as the page would have them, for the export log."""
    return {p: params[p] for p, arg in names.items() if filters[arg] not in ("", None, False)}


register(SubscriptionSpec())
