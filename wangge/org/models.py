"""The operator's organisation: people, their roles, regions, grids and teams."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.access import Scope, ScopedQuerySet
from wangge.core.models import Versioned
from wangge.core.validators import visible_text
from wangge.org.roles import Role


class User(AbstractUser):
    """Login account. The person behind it is described by `Staff`."""

    class Meta:
        verbose_name = _("登录账号")
        verbose_name_plural = _("登录账号")

    def get_full_name(self) -> str:
        staff = getattr(self, "staff", None)
        if staff is not None:
            return str(staff.name)
        return super().get_full_name()


class Department(models.Model):
    """A company department (市场部, 工程部, 客服部 …): the home of a virtual-team member."""

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RegionQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q(**{f"{prefix}grids__id__in": scope.grid_ids})

    def visible_to(self, user: Any) -> RegionQuerySet:
        return super().visible_to(user).distinct()


class Region(models.Model):
    """Administrative area (街道 / 镇 / 乡) that contains grids."""

    class Kind(models.TextChoices):
        STREET = "street", _("街道")
        TOWN = "town", _("镇")
        TOWNSHIP = "township", _("乡")

    code = models.CharField(_("区域编码"), max_length=32, unique=True)
    name = models.CharField(_("区域名称"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.TOWN)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServicePointQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q(**{f"{prefix}grids__id__in": scope.grid_ids})

    def visible_to(self, user: Any) -> ServicePointQuerySet:
        return super().visible_to(user).distinct()


class ServicePoint(models.Model):
    """A grid team's physical office (服务点)."""

    name = models.CharField(_("服务点名称"), max_length=64, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="service_points"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务点")
        verbose_name_plural = _("服务点")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180),
                name="service_point_lon_range",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90),
                name="service_point_lat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GridQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        return Q(**{f"{prefix}id__in": scope.grid_ids})

    @classmethod
    def _visible(cls, scope: Scope, obj: Any) -> bool:
        return obj.pk in scope.grid_ids


def validate_boundary(value: Any) -> None:
    """A grid boundary is a GeoJSON Polygon or MultiPolygon in WGS-84 that shapely accepts."""
    if value in (None, ""):
        return
    from shapely.geometry import shape

    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。"))
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValidationError(_("边界坐标无法解析：%(error)s"), params={"error": exc}) from exc
    if geom.is_empty:
        raise ValidationError(_("边界为空。"))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(_("边界坐标超出经纬度范围（应为 WGS-84 经纬度）。"))
    if not geom.is_valid:
        from shapely.validation import explain_validity

        raise ValidationError(
            _("边界多边形无效：%(reason)s"), params={"reason": explain_validity(geom)}
        )


class Grid(Versioned):
    """A spatial sales territory with one responsible team (网格).

    The boundary is optional here; grid division (territory) owns geometry and plans.
    Versioned: the market department's grid form and the manager's 包干 form may be open at
    once.
    """

    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    name = models.CharField(_("网格名称"), max_length=64, validators=[visible_text])
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="grids"
    )
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("服务点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids",
    )
    boundary = models.JSONField(_("边界"), null=True, blank=True, validators=[validate_boundary])
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.TextField(_("备注"), blank=True)
    # The seed's 包干 (§三 步骤二1): one technician answers for the grid's installs and
    # maintenance; service hands new work orders to them. Empty: service falls back to the
    # grid's longest-standing technician.
    technician = models.ForeignKey(
        "Staff",
        verbose_name=_("包干装维人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracted_grids",
    )

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.technician_id is not None and not (
            self.pk
            and GridMembership.objects.filter(
                grid_id=self.pk, staff_id=self.technician_id, role=Role.TECHNICIAN
            ).exists()
        ):
            raise ValidationError({"technician": _("包干装维人员须是本网格的装维人员。")})
        # Store shapely's normalised GeoJSON, never the caller's dict with stray keys.
        if self.boundary:
            try:
                validate_boundary(self.boundary)
            except ValidationError:
                return  # clean_fields has reported it; normalising would only crash on it
            from shapely.geometry import mapping, shape

            self.boundary = json.loads(json.dumps(mapping(shape(self.boundary))))


class StaffQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        me = Q(**{f"{prefix}id": scope.staff_id})
        if scope.own_records_only:
            return me
        in_my_grids = GridMembership.objects.filter(grid_id__in=scope.grid_ids).values("staff_id")
        return Q(**{f"{prefix}id__in": in_my_grids}) | me


class Staff(models.Model):
    """A person who works in the grid organisation, employee or external agent."""

    user = models.OneToOneField(
        User, verbose_name=_("登录账号"), on_delete=models.CASCADE, related_name="staff"
    )
    name = models.CharField(_("姓名"), max_length=32, validators=[visible_text])
    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    agency = models.CharField(
        _("代理机构"), max_length=100, blank=True, help_text=_("代理商所属的公司或门店。")
    )

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["employee_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.AGENT) | ~Q(agency__gt=""),
                name="staff_agency_only_for_agents",
                violation_error_message=_("只有代理商填写代理机构。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    @property
    def primary_membership(self) -> GridMembership | None:
        for m in self.memberships.all():
            if m.is_primary:
                return m
        return None


class GridMembershipQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        mine = Q(**{f"{prefix}staff_id": scope.staff_id})
        if scope.own_records_only:
            return mine
        return Q(**{f"{prefix}grid_id__in": scope.grid_ids}) | mine


class GridMembership(models.Model):
    """A person's place in a grid, with the role held there. Each person has one primary grid."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("员工"), on_delete=models.CASCADE, related_name="memberships"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("网格内角色"),
        max_length=32,
        choices=[(r.value, r.label) for r in Role if r is not Role.MARKET_ADMIN],
    )
    is_primary = models.BooleanField(_("主网格"), default=False)
    since = models.DateField(_("加入日期"), default=clock.today)

    objects = GridMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格成员")
        verbose_name_plural = _("网格成员")
        ordering = ["grid__code", "staff__employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "grid"], name="membership_once_per_grid"),
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(is_primary=True),
                name="membership_one_primary_grid",
                violation_error_message=_("每人只能有一个主网格。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} @ {self.grid.code} ({self.get_role_display()})"


class TeamQuerySet(ScopedQuerySet):
    def scope_q(self, scope: Scope, prefix: str = "") -> Q:
        mine = TeamMembership.objects.filter(staff_id=scope.staff_id or 0).values("team_id")
        if scope.own_records_only:
            return Q(**{f"{prefix}id__in": mine})
        return Q(**{f"{prefix}grid_id__in": scope.grid_ids}) | Q(**{f"{prefix}id__in": mine})


class Team(models.Model):
    """A working team: a grid's own team, a cross-department virtual team, or an agent channel.

    Members of a virtual team keep their home department (dual reporting): membership here
    never changes `Staff.department`.
    """

    class Kind(models.TextChoices):
        GRID = "grid", _("网格团队")
        VIRTUAL = "virtual", _("虚拟团队")
        AGENTS = "agents", _("代理渠道")

    name = models.CharField(_("团队名称"), max_length=64, unique=True, validators=[visible_text])
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="teams",
    )
    leader = models.ForeignKey(
        Staff,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members: models.ManyToManyField[Staff, TeamMembership] = models.ManyToManyField(
        Staff, verbose_name=_("成员"), through="TeamMembership", related_name="teams"
    )
    purpose = models.CharField(_("职责"), max_length=200, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("团队")
        verbose_name_plural = _("团队")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="grid") | Q(grid__isnull=False),
                name="team_grid_kind_needs_grid",
                violation_error_message=_("网格团队必须属于一个网格。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(
        Team, verbose_name=_("团队"), on_delete=models.CASCADE, related_name="memberships"
    )
    staff = models.ForeignKey(
        Staff, verbose_name=_("员工"), on_delete=models.CASCADE, related_name="team_memberships"
    )
    duty = models.CharField(_("团队内职责"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("团队成员")
        verbose_name_plural = _("团队成员")
        constraints = [
            models.UniqueConstraint(fields=["team", "staff"], name="team_membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} @ {self.team.name}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def authenticate(self, raw: str) -> ApiToken | None:
        token = (
            self.select_related("user")
            .filter(key_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
        return token


class ApiToken(models.Model):
    """A bearer token for integrations (billing system, scripts). Only its hash is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=64)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def new_key(cls) -> tuple[str, str, str]:
        """A fresh (raw key, prefix, hash). The raw key is shown once and never stored."""
        raw = "wg_" + secrets.token_urlsafe(32)
        return raw, raw[:8], _hash_token(raw)
