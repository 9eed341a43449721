"""Who may do what with sales records (销售记录), the performance app's share of the role
table for them.

Pay is private: everyone who sells reads their own sales, a grid manager those of the grids
they manage, the market department all (rows: `SalesRecord.objects.visible_to`). Billing's
sheet is imported by the market department, or by a manager into their own grids; an
account's cancellation (销户) is recorded by the same people.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class SalesAction(StrEnum):
    VIEW = "performance.sales.view"
    IMPORT = "performance.sales.import"
    CANCEL = "performance.sales.cancel"  # obj: the sales record


def _in_managed_grid(scope: Scope, record: Any) -> bool:
    return record.grid_id is not None and record.grid_id in scope.managed_grid_ids


def register() -> None:
    permissions.declare(
        app="performance",
        actions={
            SalesAction.VIEW: _("查看销售记录"),
            SalesAction.IMPORT: _("导入销售记录"),
            SalesAction.CANCEL: _("登记销户"),
        },
        roles={
            Role.MARKET_ADMIN: set(SalesAction),
            Role.GRID_MANAGER: set(SalesAction),
            Role.ACCOUNT_MARKETER: {SalesAction.VIEW},
            Role.SALES_MARKETER: {SalesAction.VIEW},
            Role.AGENT: {SalesAction.VIEW},
        },
        rules={SalesAction.CANCEL: _in_managed_grid},
    )
