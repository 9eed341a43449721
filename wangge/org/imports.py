"""Excel import/export of the organisation: staff and grids (the market department's job)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, register
from wangge.core.imports.parsers import match_key
from wangge.core.imports.spec import RowErrors
from wangge.core.params import choice_param, int_param, text_param
from wangge.org import services
from wangge.org.models import Department, Grid, GridMembership, Region, ServicePoint, Staff, User
from wangge.org.permissions import Action
from wangge.org.roles import Role


def _index(objs: Sequence[Any], *attrs: str) -> dict[str, Any]:
    """Objects by the loose key of each of their `attrs` (name and code alike)."""
    out: dict[str, Any] = {}
    for obj in objs:
        for attr in attrs:
            out.setdefault(match_key(getattr(obj, attr)), obj)
    return out


# --- staff ------------------------------------------------------------------------------------


class StaffSpec(ImportSpec):
    kind = "staff"
    label = gettext_lazy("人员")
    model = Staff
    natural_key = ("employee_no",)
    search_fields = ("name", "employee_no")
    import_action = Action.MANAGE_ORG
    export_action = Action.VIEW_ORG
    columns = (
        Column("employee_no", "工号", required=True, max_length=32, example="SD0101",
               aliases=("员工编号", "员工工号", "编号")),
        Column("name", "姓名", required=True, max_length=32, example="李明",
               aliases=("员工姓名",)),
        Column("phone", "手机号", "phone", example="13800138000",
               aliases=("手机", "手机号码", "联系电话", "电话")),
        Column("role", "角色", "choice", required=True, choices=Role.choices,
               example="营销员（销售）", aliases=("岗位", "职务")),
        Column("department", "所属部门", "ref", max_length=64, example="市场部",
               aliases=("部门",), help=gettext_lazy("部门名称或编码")),
        Column("primary_grid", "主网格", "ref", max_length=32, example="A",
               aliases=("网格编码", "所属网格", "网格"),
               help=gettext_lazy("网格编码；市场部人员不填")),
        Column("agency", "代理机构", max_length=100, aliases=("代理商", "所属代理"),
               help=gettext_lazy("只有代理商填写")),
        Column("username", "登录名", max_length=150, example="liming",
               aliases=("账号", "用户名", "登录账号"),
               help=gettext_lazy("新建时不填则用工号；已有人员的登录名不能改")),
    )  # fmt: skip

    def existing_queryset(self) -> QuerySet[Staff]:
        primary = GridMembership.objects.filter(is_primary=True).select_related("grid")
        return Staff.objects.select_related("user", "department").prefetch_related(
            Prefetch("memberships", queryset=primary, to_attr="primary_list")
        )

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        primary = GridMembership.objects.filter(is_primary=True).select_related("grid")
        return qs.select_related("user", "department").prefetch_related(
            Prefetch("memberships", queryset=primary, to_attr="primary_list")
        )

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The staff list page's filters: q, role, grid, department."""
        qs, used = self.queryset(user), {}
        if q := text_param(params, "q"):
            cond = Q(name__icontains=q) | Q(employee_no__icontains=q) | Q(phone__icontains=q)
            qs, used["q"] = qs.filter(cond), q
        if role := choice_param(params, "role", Role):
            qs, used["role"] = qs.filter(role=role), role
        if grid := int_param(params, "grid"):
            qs, used["grid"] = qs.filter(memberships__grid_id=grid).distinct(), str(grid)
        if department := int_param(params, "department"):
            qs, used["department"] = qs.filter(department_id=department), str(department)
        return qs, used

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        if "grids" not in ctx.cache:
            ctx.cache["grids"] = _index(list(Grid.objects.all()), "code")
            ctx.cache["departments"] = _index(list(Department.objects.all()), "name", "code")
            ctx.cache["usernames"] = {}
        wanted = [d.values.get("username") or d.values.get("employee_no") for d in drafts]
        ctx.cache["taken"] = set(
            User.objects.filter(username__in=[w for w in wanted if w]).values_list(
                "username", flat=True
            )
        )

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        errors: RowErrors = []
        cleaned = {k: v for k, v in values.items() if k not in ("department", "primary_grid")}
        staff: Staff | None = ctx.existing
        role = values.get("role") or (staff.role if staff else None)
        if "department" in values:
            dept = ctx.cache["departments"].get(match_key(values["department"]))
            if dept is None:
                errors.append(("department", _("没有这个部门")))
            cleaned["department"] = dept
        if "primary_grid" in values:
            grid = ctx.cache["grids"].get(match_key(values["primary_grid"]))
            if grid is None:
                errors.append(("primary_grid", _("没有这个网格编码")))
            elif role == Role.MARKET_ADMIN:
                errors.append(("primary_grid", _("市场部不属于某个网格，请留空")))
            cleaned["primary_grid"] = grid
        elif staff is None and role not in (None, Role.MARKET_ADMIN):
            errors.append(("primary_grid", _("除市场部外，每人必须有一个主网格")))
        agency = values.get("agency", staff.agency if staff else "")
        if agency and role != Role.AGENT:
            errors.append(("agency", _("只有代理商填写代理机构")))
        errors += self._username(values, staff, ctx, cleaned)
        return cleaned, errors

    def _username(
        self,
        values: dict[str, Any],
        staff: Staff | None,
        ctx: ImportContext,
        cleaned: dict[str, Any],
    ) -> RowErrors:
        given = values.get("username", "")
        if staff is not None:
            if given and given != staff.user.username:
                return [("username", _("已有人员的登录名不能通过导入修改"))]
            cleaned.pop("username", None)
            return []
        username = given or values.get("employee_no", "")
        cleaned["username"] = username
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            return [("username", _("登录名只能包含字母、数字和 @/./+/-/_"))]
        if username in ctx.cache["taken"]:
            return [("username", _("登录名已被使用"))]
        first = ctx.cache["usernames"].setdefault(username, ctx.row)
        if first != ctx.row:
            return [("username", _("与第 %(row)s 行的登录名重复") % {"row": first})]
        return []

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        out = super().diff(obj, {k: v for k, v in cleaned.items() if k != "primary_grid"})
        grid = cleaned.get("primary_grid")
        current = _primary_grid(obj)
        if grid is not None and (current is None or current.pk != grid.pk):
            out.append(("primary_grid", current.code if current else "", grid.code))
        return out

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        data = {k: v for k, v in cleaned.items() if k not in ("username", "primary_grid")}
        if existing is None:
            staff = services.staff_create(
                actor=user,
                username=cleaned["username"],
                password=None,
                primary_grid=cleaned.get("primary_grid"),
                **data,
            )
            return staff, True
        grid = cleaned.get("primary_grid")
        if grid is None and data.get("role", existing.role) != existing.role:
            grid = _primary_grid(existing)  # the grid role follows the person's new role
        data.pop("employee_no", None)
        return services.staff_update(
            actor=user, staff=existing, data=data, primary_grid=grid
        ), False

    def export_row(self, obj: Any) -> dict[str, Any]:
        grid = _primary_grid(obj)
        return {
            "employee_no": obj.employee_no,
            "name": obj.name,
            "phone": obj.phone,
            "role": obj.role,
            "department": obj.department.name if obj.department else "",
            "primary_grid": grid.code if grid else "",
            "agency": obj.agency,
            "username": obj.user.username,
        }


def _primary_grid(staff: Staff) -> Grid | None:
    memberships = getattr(staff, "primary_list", None)
    if memberships is None:
        memberships = list(staff.memberships.filter(is_primary=True).select_related("grid"))
    return memberships[0].grid if memberships else None


# --- grids ------------------------------------------------------------------------------------


class GridSpec(ImportSpec):
    kind = "grids"
    label = gettext_lazy("网格")
    model = Grid
    natural_key = ("code",)
    search_fields = ("code", "name")
    import_action = Action.MANAGE_ORG
    export_action = Action.VIEW_ORG
    columns = (
        Column("code", "网格编码", required=True, max_length=32, example="A01",
               aliases=("编码", "网格编号")),
        Column("name", "网格名称", required=True, max_length=64, example="两市塘一网格",
               aliases=("名称", "网格")),
        Column("region", "区域", "ref", max_length=64, example="两市塘街道",
               aliases=("所属区域", "乡镇", "街道", "区域编码"),
               help=gettext_lazy("区域名称或编码；新建时必填")),
        Column("service_point", "服务点", "ref", max_length=64, example="两市塘服务点",
               aliases=("所属服务点",), help=gettext_lazy("服务点名称")),
        Column("is_active", "启用", "bool", example="是", aliases=("是否启用", "状态")),
        Column("note", "备注", max_length=2000, aliases=("说明",)),
    )  # fmt: skip

    def existing_queryset(self) -> QuerySet[Grid]:
        return Grid.objects.select_related("region", "service_point")

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("region", "service_point")

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The grid list page's filters: q, region, active."""
        qs, used = super().filter_queryset(user, params)
        if region := int_param(params, "region"):
            qs, used["region"] = qs.filter(region_id=region), str(region)
        if active := choice_param(params, "active", ("0", "1")):
            qs, used["active"] = qs.filter(is_active=active == "1"), active
        return qs, used

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        if "regions" not in ctx.cache:
            ctx.cache["regions"] = _index(list(Region.objects.all()), "name", "code")
            ctx.cache["points"] = _index(list(ServicePoint.objects.all()), "name")

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        errors: RowErrors = []
        cleaned = dict(values)
        if "region" in values:
            cleaned["region"] = ctx.cache["regions"].get(match_key(values["region"]))
            if cleaned["region"] is None:
                errors.append(("region", _("没有这个区域")))
        elif ctx.existing is None:
            errors.append(("region", _("新建网格时必须填写区域")))
        if "service_point" in values:
            cleaned["service_point"] = ctx.cache["points"].get(match_key(values["service_point"]))
            if cleaned["service_point"] is None:
                errors.append(("service_point", _("没有这个服务点")))
        return cleaned, errors

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        if existing is None:
            return services.grid_create(actor=user, **cleaned), True
        data = {k: v for k, v in cleaned.items() if k != "code"}
        return services.grid_update(actor=user, grid=existing, data=data), False

    def export_row(self, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": obj.name,
            "region": obj.region.name,
            "service_point": obj.service_point.name if obj.service_point else "",
            "is_active": obj.is_active,
            "note": obj.note,
        }


register(StaffSpec())
register(GridSpec())
