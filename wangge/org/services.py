"""Every write to the organisation. Each function validates, writes and audits atomically."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core.access import forget_scope
from wangge.core.permissions import can, require
from wangge.core.services import audited_create, audited_delete, audited_update
from wangge.org.models import (
    Department,
    Grid,
    GridMembership,
    Region,
    ServicePoint,
    Staff,
    Team,
    TeamMembership,
    User,
)
from wangge.org.permissions import Action
from wangge.org.roles import Role

GRID_FIELDS = (
    "code",
    "name",
    "region",
    "service_point",
    "boundary",
    "is_active",
    "note",
    "technician",
)
STAFF_FIELDS = ("name", "employee_no", "phone", "role", "department", "agency")


def _require_manage(actor: Any) -> None:
    """The system (demo generator, commands) and the market department manage the org."""
    if not can(actor, Action.MANAGE_ORG):
        raise PermissionDenied(_("您没有管理组织的权限。"))


def region_create(*, actor: Any, code: str, name: str, kind: str = Region.Kind.TOWN) -> Region:
    _require_manage(actor)
    return audited_create(actor=actor, instance=Region(code=code, name=name, kind=kind))


def department_create(*, actor: Any, code: str, name: str) -> Department:
    _require_manage(actor)
    return audited_create(actor=actor, instance=Department(code=code, name=name))


def service_point_create(
    *,
    actor: Any,
    name: str,
    region: Region,
    address: str = "",
    phone: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> ServicePoint:
    _require_manage(actor)
    return audited_create(
        actor=actor,
        instance=ServicePoint(
            name=name, region=region, address=address, phone=phone, lon=lon, lat=lat
        ),
    )


def grid_create(
    *,
    actor: Any,
    code: str,
    name: str,
    region: Region,
    service_point: ServicePoint | None = None,
    boundary: dict[str, Any] | None = None,
    is_active: bool = True,
    note: str = "",
) -> Grid:
    _require_manage(actor)
    grid = Grid(
        code=code,
        name=name,
        region=region,
        service_point=service_point,
        boundary=boundary,
        is_active=is_active,
        note=note,
    )
    return audited_create(actor=actor, instance=grid)


def grid_update(
    *, actor: Any, grid: Grid, data: dict[str, Any], version: int | None = None
) -> Grid:
    """`version`: the one the editor loaded; a stale one raises `StaleVersion`."""
    _require_manage(actor)
    grid, _changed = audited_update(
        actor=actor, instance=grid, data=data, fields=GRID_FIELDS, version=version
    )
    return grid


def grid_technician_set(
    *, actor: Any, grid: Grid, technician: Staff | None, version: int | None = None
) -> Grid:
    """Name the grid's 包干 technician (None: nobody; service then falls back to the
    longest-standing technician). The grid's manager may, for their own grids only; the
    model's `clean` holds the choice to the grid's technicians."""
    require(actor, Action.NAME_TECHNICIAN, grid)
    grid, _changed = audited_update(
        actor=actor,
        instance=grid,
        data={"technician": technician},
        fields=("technician",),
        version=version,
    )
    return grid


@transaction.atomic
def staff_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    name: str,
    employee_no: str,
    role: str,
    phone: str = "",
    department: Department | None = None,
    agency: str = "",
    primary_grid: Grid | None = None,
) -> Staff:
    """Create the login and the staff profile; put the person in their primary grid."""
    _require_manage(actor)
    user = User(username=username)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    staff = audited_create(
        actor=actor,
        instance=Staff(
            user=user,
            name=name,
            employee_no=employee_no,
            phone=phone,
            role=role,
            department=department,
            agency=agency,
        ),
    )
    if primary_grid is not None:
        membership_set(actor=actor, staff=staff, grid=primary_grid, role=role, is_primary=True)
    elif role != Role.MARKET_ADMIN:
        raise ValidationError({"primary_grid": _("除市场部外，每人必须有一个主网格。")})
    return staff


@transaction.atomic
def staff_update(
    *, actor: Any, staff: Staff, data: dict[str, Any], primary_grid: Grid | None = None
) -> Staff:
    """Edit the profile; when `primary_grid` is given, move the primary membership there."""
    _require_manage(actor)
    staff, _changed = audited_update(actor=actor, instance=staff, data=data, fields=STAFF_FIELDS)
    if primary_grid is not None:
        role = staff.role if staff.role != Role.MARKET_ADMIN else Role.GRID_MANAGER
        membership_set(actor=actor, staff=staff, grid=primary_grid, role=role, is_primary=True)
    forget_scope(staff.user)
    return staff


@transaction.atomic
def staff_set_active(*, actor: Any, staff: Staff, active: bool) -> Staff:
    """Disable or re-enable a login; the staff record and its history stay."""
    _require_manage(actor)
    audited_update(
        actor=actor, instance=staff.user, data={"is_active": active}, fields=["is_active"]
    )
    return staff


@transaction.atomic
def membership_set(
    *, actor: Any, staff: Staff, grid: Grid, role: str, is_primary: bool = False
) -> GridMembership:
    """Put `staff` in `grid` with `role`. Making it primary demotes the previous primary grid."""
    _require_manage(actor)
    if role == Role.MARKET_ADMIN:
        raise ValidationError({"role": _("市场部不属于某个网格。")})
    if is_primary:
        for other in GridMembership.objects.filter(staff=staff, is_primary=True).exclude(grid=grid):
            audited_update(
                actor=actor, instance=other, data={"is_primary": False}, fields=["is_primary"]
            )
    existing = GridMembership.objects.filter(staff=staff, grid=grid).first()
    if existing is None:
        membership = audited_create(
            actor=actor,
            instance=GridMembership(staff=staff, grid=grid, role=role, is_primary=is_primary),
        )
    else:
        membership, _changed = audited_update(
            actor=actor,
            instance=existing,
            data={"role": role, "is_primary": is_primary},
            fields=["role", "is_primary"],
        )
    forget_scope(staff.user)
    return membership


def membership_remove(*, actor: Any, membership: GridMembership) -> None:
    _require_manage(actor)
    if membership.is_primary:
        raise ValidationError(_("不能移除主网格；请先指定新的主网格。"))
    audited_delete(actor=actor, instance=membership)


def team_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    grid: Grid | None = None,
    leader: Staff | None = None,
    purpose: str = "",
) -> Team:
    _require_manage(actor)
    return audited_create(
        actor=actor,
        instance=Team(name=name, kind=kind, grid=grid, leader=leader, purpose=purpose),
    )


def team_member_add(*, actor: Any, team: Team, staff: Staff, duty: str = "") -> TeamMembership:
    """Add a member. Their home department is untouched: virtual teams mean dual reporting."""
    _require_manage(actor)
    return audited_create(actor=actor, instance=TeamMembership(team=team, staff=staff, duty=duty))


def api_token_create(*, actor: Any, user: User, name: str) -> tuple[Any, str]:
    """Issue a token for `user`; returns (token, raw key). People may only issue their own."""
    from wangge.org.models import ApiToken

    if getattr(actor, "pk", None) != user.pk and not can(actor, Action.MANAGE_ORG):
        raise PermissionDenied(_("只能为自己创建令牌。"))
    raw, prefix, key_hash = ApiToken.new_key()
    token = audited_create(
        actor=actor, instance=ApiToken(user=user, name=name, prefix=prefix, key_hash=key_hash)
    )
    return token, raw
