"""Company dispatch lists (公司派单表) in Excel: the import kind `opportunities`.

The company hands the grids lists of needs: one row an opportunity, keyed by its 派单编号
(`external_ref`), so a list sent again updates its rows instead of doubling them. A row
names its customer (客户编号) or only a site (小区/楼宇编码), and may dispatch it: to a grid
(网格编码; the market department only) and/or to a person of that grid (接单人工号), with
the day first contact is due (首次联系时限, by the end of that day).

Who: the market department anywhere, a grid manager into the grids they manage
(`Action.IMPORT`). Every row is checked before anything is written (references, the
assignee's grid, a due day already past); the writes go through `sales.services`
(`opportunity_create`, `opportunity_update`, `opportunity_dispatch`), in the importer's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, register
from wangge.core.imports.parsers import match_key
from wangge.core.imports.spec import RowErrors
from wangge.core.permissions import can
from wangge.crm.models import Customer, Product
from wangge.org.models import Grid, GridMembership, Staff
from wangge.sales import services
from wangge.sales.models import Opportunity
from wangge.sales.permissions import Action
from wangge.sales.services.dispatch import ASSIGNABLE_ROLES
from wangge.sales.services.opportunities import EDITABLE
from wangge.territory.models import Site

MAX_MONEY = Decimal("99999999.99")
#: What a row may set on the opportunity itself (the rest are references and dispatch).
FIELDS = ("kind", "product", "need", "expected_monthly", "expected_close", "contact_name",
          "contact_phone")  # fmt: skip
assert set(FIELDS) <= set(EDITABLE)


def due_at(day: dt.date) -> dt.datetime:
    """A due day means by the end of it (Asia/Shanghai): midnight that starts the next."""
    return clock.start_of_day(day + dt.timedelta(days=1))


class OpportunitySpec(ImportSpec):
    kind = "opportunities"
    label = gettext_lazy("公司派单")
    model = Opportunity
    natural_key = ("external_ref",)
    import_action = Action.IMPORT
    export_action = Action.IMPORT
    search_fields = ("external_ref", "code", "contact_name")
    chunk_size = 1000
    columns = (
        Column("external_ref", "派单编号", required=True, max_length=64, example="PD20250001",
               aliases=("公司派单编号", "派单号", "工单编号")),
        Column("customer", "客户编号", "ref", max_length=32, example="",
               aliases=("客户号",), help=gettext_lazy("客户编号与小区/楼宇编码至少填一个")),
        Column("site", "小区/楼宇编码", "ref", max_length=32, example="XQ-0001",
               aliases=("小区编码", "楼宇编码", "网格单元编码", "单元编码")),
        Column("contact_name", "联系人", max_length=32, example="张先生"),
        Column("contact_phone", "联系电话", "phone", example="13800138000",
               aliases=("电话", "手机号")),
        Column("product", "意向产品", "ref", max_length=64, example="BB",
               aliases=("产品",), help=gettext_lazy("产品编码或产品名称")),
        Column("need", "需求", max_length=500, example="想装千兆宽带", aliases=("需求描述",)),
        Column("kind", "商机类型", "choice", choices=Opportunity.Kind.choices, example="新客户"),
        Column("expected_monthly", "预计月收入（元）", "money", example="68.00",
               aliases=("预计月收入",), min_value=Decimal(0), max_value=MAX_MONEY),
        Column("expected_close", "预计成交日期", "date", example=""),
        Column("grid", "网格编码", "ref", max_length=32, example="",
               help=gettext_lazy("派至该网格（仅市场部）；不填为小区所在网格")),
        Column("assignee", "接单人工号", "ref", max_length=32, example="",
               aliases=("接单人",), help=gettext_lazy("派给该网格的这位员工")),
        Column("contact_due", "首次联系时限", "date", example="",
               help=gettext_lazy("当天 24 点前；派单时必填，不能早于今天")),
    )  # fmt: skip

    # --- rights and scope ---------------------------------------------------------------

    def base_queryset(self) -> QuerySet[Any]:
        # Only the company's dispatches have a 派单编号: an export of them re-imports.
        return Opportunity.objects.exclude(external_ref="")

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        """The market department's anywhere; a manager's on the boards of their grids."""
        return {o.pk for o in objs if _may_place(user, o.grid_id)}

    # --- reading ------------------------------------------------------------------------

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        cache = ctx.cache
        if "products" not in cache:
            products: dict[str, Product] = {}
            for p in Product.objects.filter(is_active=True):
                products.setdefault(match_key(p.name), p)
            for p in Product.objects.filter(is_active=True):
                products[match_key(p.code)] = p  # a code wins over another product's name
            cache["products"] = products
            cache["today"] = clock.today()

        def wanted(key: str) -> set[str]:
            return {d.values[key] for d in drafts if key in d.values}

        customers = Customer.objects.visible_to(user).filter(code__in=wanted("customer"))
        cache["customers"] = {
            c.code: c for c in customers.select_related("site").only("id", "code", "name",
                                                                       "site__id", "site__code",
                                                                       "site__grid_id")
        }  # fmt: skip
        sites = Site.objects.visible_to(user).filter(code__in=wanted("site"))
        cache["sites"] = {s.code: s for s in sites.only("id", "code", "name", "grid_id")}
        grids = Grid.objects.visible_to(user).filter(code__in=wanted("grid"), is_active=True)
        cache["grids"] = {g.code: g for g in grids}
        tokens = wanted("assignee")
        staff = Staff.objects.filter(employee_no__in=tokens | {t.upper() for t in tokens})
        cache["staff"] = {s.employee_no.upper(): s for s in staff.only("id", "employee_no", "name")}
        members = GridMembership.objects.filter(staff__in=cache["staff"].values())
        cache["members"] = {(m.staff_id, m.grid_id): m.role for m in members}

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        opp: Opportunity | None = ctx.existing
        cache = ctx.cache
        errors: RowErrors = []
        cleaned: dict[str, Any] = {k: v for k, v in values.items() if k in FIELDS}
        if "product" in values:
            product = cache["products"].get(match_key(values["product"]))
            if product is None:
                errors.append(("product", _("没有这个产品（请填产品编码或产品名称）")))
            cleaned["product"] = product

        customer, site = self._place(values, opp, cache, errors)
        if opp is None and site is not None and not _may_place(user, site.grid_id):
            errors.append(("customer" if "customer" in values else "site", _("不在您管理的网格内")))
        kind = cleaned.get("kind", opp.kind if opp else Opportunity.Kind.NEW)
        if kind == Opportunity.Kind.UPLIFT and customer is None and "customer" not in ctx.failed:
            errors.append(("customer", _("存量提值商机必须指定现有客户")))
        if opp is None:
            cleaned.update(customer=customer, site=site, external_ref=values["external_ref"])
        if opp is not None and not opp.is_open and self.diff(opp, cleaned):
            errors.append((None, _("该商机已结束，不能再修改")))

        errors += self._dispatch(user, values, opp, site, cleaned, ctx)
        return cleaned, errors

    def _place(
        self,
        values: Mapping[str, Any],
        opp: Opportunity | None,
        cache: Mapping[str, Any],
        errors: RowErrors,
    ) -> tuple[Customer | None, Site | None]:
        """The row's customer and site (an update keeps the opportunity's own)."""
        customer: Customer | None = None
        site: Site | None = None
        if "customer" in values:
            customer = cache["customers"].get(values["customer"])
            if customer is None:
                errors.append(("customer", _("没有这个客户编号")))
        if "site" in values:
            site = cache["sites"].get(values["site"])
            if site is None:
                errors.append(("site", _("没有这个小区/楼宇编码")))
        if customer is not None:
            if site is not None and site.pk != customer.site_id:
                errors.append(("site", _("该客户不在这个小区/楼宇")))
            site = customer.site
        if opp is not None:
            if customer is not None and customer.pk != opp.customer_id:
                errors.append(("customer", _("派单编号已对应其他客户，不能更改")))
            elif site is not None and site.pk != opp.site_id:
                errors.append(("site", _("派单编号已对应其他小区/楼宇，不能更改")))
            return opp.customer, opp.site
        if customer is None and site is None and not values.keys() & {"customer", "site"}:
            errors.append(("customer", _("客户编号与小区/楼宇编码至少填一个")))
        return customer, site

    def _dispatch(
        self,
        user: Any,
        values: Mapping[str, Any],
        opp: Opportunity | None,
        site: Site | None,
        cleaned: dict[str, Any],
        ctx: ImportContext,
    ) -> RowErrors:
        """The hand-over the row asks for, as `cleaned["dispatch"]` = (grid, assignee, due):
        a grid (market department), a person of the grid, or both; none when the row names
        the current ones again (a list sent twice dispatches once)."""
        errors: RowErrors = []
        grid: Grid | None = None
        if "grid" in values:
            grid = ctx.cache["grids"].get(values["grid"])
            if grid is None:
                errors.append(("grid", _("没有这个网格编码")))
            elif not scope_for(user).everything and (
                site is None or grid.pk != site.grid_id or not _may_place(user, grid.pk)
            ):
                errors.append(("grid", _("只有市场部可以派单至其他网格")))
        assignee: Staff | None = None
        if "assignee" in values:
            assignee = ctx.cache["staff"].get(values["assignee"].upper())
            if assignee is None:
                errors.append(("assignee", _("没有这个工号")))
        due: dt.datetime | None = None
        if "contact_due" in values:
            due = due_at(values["contact_due"])
        if errors or site is None:
            return errors
        current_grid = opp.grid_id if opp else site.grid_id
        to_grid = grid if grid is not None and grid.pk != current_grid else None
        target = grid.pk if grid is not None else current_grid
        if assignee is not None:
            role = ctx.cache["members"].get((assignee.pk, target))
            if role is None:
                errors.append(("assignee", _("接单人不属于该网格")))
            elif role not in ASSIGNABLE_ROLES:
                errors.append(("assignee", _("安装维护专员不接销售商机")))
        to_person = assignee if assignee is not None and (
            to_grid is not None or opp is None or assignee.pk != opp.assignee_id
        ) else None  # fmt: skip
        market = scope_for(user).everything
        alone = opp is None and to_grid is None and to_person is None and due is not None
        if alone and market and target is not None:
            # A due day alone: the market department puts it on the site's grid board.
            to_grid = Grid.objects.get(pk=target)
        redue = opp is not None and due is not None and due != opp.contact_due
        if opp is not None and redue and to_grid is None and to_person is None:
            # A new due day for the same hand-over: dispatched again with it.
            if opp.assignee_id is not None:
                to_person = opp.assignee
            elif opp.grid_id is not None and market:
                to_grid = opp.grid
        if to_grid is None and to_person is None:
            return errors
        if due is None:
            errors.append(("contact_due", _("派单时必须填写首次联系时限")))
        elif values["contact_due"] < ctx.cache["today"]:
            errors.append(("contact_due", _("首次联系时限已过，请填今天或以后的日期")))
        if not errors:
            cleaned["dispatch"] = (to_grid, to_person, due)
            cleaned["contact_due"] = due
            if to_person is not None:
                cleaned["assignee"] = to_person
            if to_grid is not None:
                cleaned["grid"] = to_grid
        return errors

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        # The hand-over shows as its assignee, grid and due time, which `cleaned` holds too.
        return super().diff(obj, {k: v for k, v in cleaned.items() if k != "dispatch"})

    # --- writing ------------------------------------------------------------------------

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        data = {k: v for k, v in cleaned.items() if k in FIELDS}
        if existing is None:
            if not _may_place(user, cleaned["site"].grid_id):
                raise PermissionDenied
            opp = services.opportunity_create(
                actor=user,
                source=Opportunity.Source.DISPATCH,
                customer=cleaned["customer"],
                site=cleaned["site"],
                external_ref=cleaned["external_ref"],
                assign_to_self=False,
                **data,
            )
            created = True
        else:
            opp = existing
            if data:
                opp = services.opportunity_update(
                    actor=user, opportunity=opp, data=data, version=opp.version
                )
            created = False
        dispatch = cleaned.get("dispatch")
        if dispatch is not None:
            to_grid, to_person, due = dispatch
            if to_grid is not None:
                opp = services.opportunity_dispatch(
                    actor=user, opportunity=opp, version=opp.version, due=due, grid=to_grid
                )
            if to_person is not None:
                opp = services.opportunity_dispatch(
                    actor=user, opportunity=opp, version=opp.version, due=due, assignee=to_person
                )
        return opp, created

    # --- exporting ----------------------------------------------------------------------

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("customer", "site", "grid", "assignee", "product")

    def export_row(self, obj: Any) -> dict[str, Any]:
        return {
            "external_ref": obj.external_ref,
            "customer": obj.customer.code if obj.customer else None,
            "site": obj.site.code,
            "contact_name": obj.contact_name,
            "contact_phone": obj.contact_phone,
            "product": obj.product.code if obj.product else None,
            "need": obj.need,
            "kind": obj.kind,
            "expected_monthly": obj.expected_monthly,
            "expected_close": obj.expected_close,
            "grid": obj.grid.code if obj.grid else None,
            "assignee": obj.assignee.employee_no if obj.assignee else None,
            "contact_due": (
                clock.local_date(obj.contact_due - dt.timedelta(seconds=1))
                if obj.contact_due
                else None
            ),
        }


def _may_place(user: Any, grid_id: int | None) -> bool:
    """Whether the user may put a dispatch on this grid's board (no grid: the market
    department's pool)."""
    scope = scope_for(user)
    if scope.everything:
        return True
    return can(user, Action.IMPORT) and grid_id is not None and grid_id in scope.managed_grid_ids


register(OpportunitySpec())
