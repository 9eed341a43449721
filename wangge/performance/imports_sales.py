"""Billing's sales sheet (计费销售明细) in Excel: the import and export kind `sales`.

One row a sold unit, keyed by billing's reference (业务流水号), so a sheet sent again
updates its rows instead of doubling them. A row names the customer (客户编号), may name
the account (业务账号, which must be that customer's), the plan or product (套餐编码 or
产品编码), the amount, and the seller by 工号 (an agent by 工号 or by agency name); the
business line and the channel follow from the product and the seller unless the row says.
销户日期 records the account's cancellation (a claw-back within the period).

Who: the market department anywhere, a grid manager into the grids they manage (the
customer's grid), as for the company's dispatch lists. Every row is checked before anything
is written (unknown customer, account, plan, seller; negative amount; a date in the future;
a cancellation before the sale), and the writes go through `services_sales`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, register
from wangge.core.imports.spec import RowErrors
from wangge.crm.models import Customer, Product, Subscription, TariffPlan
from wangge.org.models import Staff
from wangge.org.roles import Role
from wangge.performance import selectors_sales as selectors
from wangge.performance import services_sales as services
from wangge.performance.models import BusinessLine, SalesRecord
from wangge.performance.permissions_sales import SalesAction

MAX_MONEY = Decimal("9999999999.99")


def _may_write(user: Any, grid_id: int | None) -> bool:
    scope = scope_for(user)
    return scope.everything or (grid_id is not None and grid_id in scope.managed_grid_ids)


class SalesSpec(ImportSpec):
    kind = "sales"
    label = gettext_lazy("销售记录")
    model = SalesRecord
    natural_key = ("reference",)
    import_action = SalesAction.IMPORT
    export_action = SalesAction.VIEW
    search_fields = ("reference", "account_no")
    chunk_size = 1000
    columns = (
        Column("reference", "业务流水号", required=True, max_length=64, example="JF202603000001",
               aliases=("计费流水号", "流水号", "销售流水号")),
        Column("sold_on", "销售日期", "date", required_on_create=True, example="2026-03-05",
               aliases=("日期", "受理日期")),
        Column("customer", "客户编号", "ref", required_on_create=True, max_length=32,
               example="KH00000001", aliases=("客户号",)),
        Column("account_no", "业务账号", max_length=32, example="BB0001",
               help=gettext_lazy("须为该客户的业务账号")),
        Column("plan", "套餐或产品编码", "ref", max_length=32, example="BB-300",
               aliases=("套餐编码", "产品编码", "资费套餐"),
               help=gettext_lazy("套餐编码或产品编码")),
        Column("business_line", "业务线", "choice", choices=BusinessLine.choices,
               example="宽带", help=gettext_lazy("不填按产品类别")),
        Column("amount", "销售金额（元）", "money", required_on_create=True, example="816.00",
               aliases=("销售金额", "金额"), min_value=Decimal(0), max_value=MAX_MONEY),
        Column("seller", "销售人工号", "ref", max_length=64, example="",
               aliases=("工号", "销售人", "代理商"),
               help=gettext_lazy("员工工号，或代理商工号/代理商名称")),
        Column("channel", "渠道", "choice", choices=SalesRecord.Channel.choices, example="",
               help=gettext_lazy("不填按销售人角色")),
        Column("cancelled_on", "销户日期", "date", example="", aliases=("拆机日期",)),
    )  # fmt: skip

    # --- rights and scope ---------------------------------------------------------------

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The list page's filters through its selector: the export is what was listed."""
        filters = selectors.list_filters(params)
        applied = {k: str(v) for k, v in filters.items() if v not in (None, "")}
        return selectors.sales_list(user=user, **filters), applied

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        return {o.pk for o in objs if _may_write(user, o.grid_id)}

    # --- reading ------------------------------------------------------------------------

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        def wanted(key: str) -> set[str]:
            return {str(d.values[key]) for d in drafts if key in d.values}

        ctx.cache.setdefault("today", clock.today())
        customers = Customer.objects.visible_to(user).filter(code__in=wanted("customer"))
        ctx.cache["customers"] = {
            c.code: c for c in customers.select_related("site").only("id", "code", "site__grid_id")
        }
        accounts = Subscription.objects.filter(account_no__in=wanted("account_no"))
        ctx.cache["accounts"] = {
            s.account_no: s for s in accounts.only("id", "account_no", "customer_id", "plan_id")
        }
        codes = wanted("plan")
        ctx.cache["plans"] = {
            p.code: p for p in TariffPlan.objects.filter(code__in=codes).select_related("product")
        }
        ctx.cache["products"] = {p.code: p for p in Product.objects.filter(code__in=codes)}
        tokens = wanted("seller")
        staff = Staff.objects.filter(employee_no__in=tokens | {t.upper() for t in tokens})
        by_no = {s.employee_no.upper(): s for s in staff.only("id", "employee_no", "name", "role")}
        agents = Staff.objects.filter(role=Role.AGENT, agency__in=tokens).only(
            "id", "employee_no", "name", "role", "agency"
        )
        by_agency: dict[str, Staff | None] = {}
        for a in agents:
            # An agency with two agents on the books cannot say which one sold.
            by_agency[a.agency] = None if a.agency in by_agency else a
        ctx.cache["staff"] = by_no
        ctx.cache["agencies"] = by_agency

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        record: SalesRecord | None = ctx.existing
        cache = ctx.cache
        errors: RowErrors = []
        cleaned: dict[str, Any] = {}
        for key in ("sold_on", "amount", "cancelled_on", "account_no"):
            if key in values:
                cleaned[key] = values[key]
        if record is None:
            for key in ("sold_on", "customer", "amount"):
                if key not in values and key not in ctx.failed:
                    errors.append((key, _("新销售记录必须填写此项")))

        customer = self._customer(values, record, cache, errors)
        if customer is not None:
            if record is None or customer.pk != record.customer_id:
                cleaned["customer"] = customer
            grid_id = customer.site.grid_id
            if not _may_write(user, grid_id):
                errors.append(("customer", _("不在您管理的网格内")))
            cleaned["grid_id"] = grid_id
        self._account(values, customer, cache, cleaned, errors)
        product = self._plan(values, cache, cleaned, errors)
        if "business_line" in values:
            cleaned["business_line"] = values["business_line"]
        elif product is not None:
            cleaned["business_line"] = services.business_line_of(product.kind)
        elif record is None and "plan" not in ctx.failed and "plan" not in values:
            errors.append(("business_line", _("请填写业务线或套餐/产品编码")))
        seller = self._seller(values, cache, errors)
        if seller is not None:
            cleaned["seller"] = seller
        if "channel" in values:
            cleaned["channel"] = values["channel"]
        elif seller is not None:
            cleaned["channel"] = services.channel_of(seller)
        self._dates(values, record, cache["today"], errors, ctx.failed)
        if record is None and "reference" in values:
            cleaned["reference"] = values["reference"]
        return cleaned, errors

    def _customer(
        self,
        values: Mapping[str, Any],
        record: SalesRecord | None,
        cache: Mapping[str, Any],
        errors: RowErrors,
    ) -> Customer | None:
        if "customer" not in values:
            return None
        customer: Customer | None = cache["customers"].get(str(values["customer"]))
        if customer is None:
            errors.append(("customer", _("没有这个客户编号")))
        return customer

    def _account(
        self,
        values: Mapping[str, Any],
        customer: Customer | None,
        cache: Mapping[str, Any],
        cleaned: dict[str, Any],
        errors: RowErrors,
    ) -> None:
        if "account_no" not in values:
            return
        sub = cache["accounts"].get(str(values["account_no"]))
        if sub is None:
            errors.append(("account_no", _("没有这个业务账号")))
        elif customer is not None and sub.customer_id != customer.pk:
            errors.append(("account_no", _("该业务账号不属于这个客户")))
        else:
            cleaned["subscription"] = sub

    def _plan(
        self,
        values: Mapping[str, Any],
        cache: Mapping[str, Any],
        cleaned: dict[str, Any],
        errors: RowErrors,
    ) -> Product | None:
        if "plan" not in values:
            return None
        code = str(values["plan"])
        plan = cache["plans"].get(code)
        if plan is not None:
            cleaned["plan"], cleaned["product"] = plan, plan.product
            return plan.product
        product = cache["products"].get(code)
        if product is None:
            errors.append(("plan", _("没有这个套餐或产品编码")))
            return None
        cleaned["product"], cleaned["plan"] = product, None
        return product

    def _seller(
        self, values: Mapping[str, Any], cache: Mapping[str, Any], errors: RowErrors
    ) -> Staff | None:
        if "seller" not in values:
            return None
        token = str(values["seller"])
        seller: Staff | None = cache["staff"].get(token.upper()) or cache["agencies"].get(token)
        if seller is None:
            errors.append(("seller", _("没有这个工号或代理商")))
        return seller

    def _dates(
        self,
        values: Mapping[str, Any],
        record: SalesRecord | None,
        today: Any,
        errors: RowErrors,
        failed: set[str],
    ) -> None:
        sold_on = values.get("sold_on", record.sold_on if record else None)
        cancelled_on = values.get("cancelled_on", record.cancelled_on if record else None)
        if "sold_on" in values and values["sold_on"] > today:
            errors.append(("sold_on", _("销售日期不能晚于今天")))
        if "cancelled_on" in values and values["cancelled_on"] > today:
            errors.append(("cancelled_on", _("销户日期不能晚于今天")))
        elif (
            sold_on is not None
            and cancelled_on is not None
            and cancelled_on < sold_on
            and not failed & {"sold_on", "cancelled_on"}
        ):
            errors.append(("cancelled_on", _("销户日期不能早于销售日期")))

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        shown = {k: v for k, v in cleaned.items() if k not in ("grid_id", "subscription")}
        return super().diff(obj, shown)

    # --- writing ------------------------------------------------------------------------

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        data = dict(cleaned)
        grid_id = data.pop("grid_id", None)
        if existing is None:
            reference = data.pop("reference")
            record = services.sales_record_create(
                actor=user, reference=reference, grid_id=grid_id, **data
            )
            return record, True
        if grid_id is not None:
            data["grid_id"] = grid_id
        return services.sales_record_update(actor=user, record=existing, data=data), False

    # --- exporting ----------------------------------------------------------------------

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("customer", "plan", "product", "seller")

    def export_row(self, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "sold_on": obj.sold_on,
            "customer": obj.customer.code,
            "account_no": obj.account_no,
            "plan": obj.plan.code if obj.plan else (obj.product.code if obj.product else None),
            "business_line": obj.business_line,
            "amount": obj.amount,
            "seller": obj.seller.employee_no if obj.seller else None,
            "channel": obj.channel,
            "cancelled_on": obj.cancelled_on,
        }


register(SalesSpec())
