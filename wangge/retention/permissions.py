"""Who may do what with care and collections (the retention app's share of the role table).

The seed (§三.1, §三.2(2)): the market department sets the care rules; the people who own
customers keep in touch with them and collect their renewals and arrears; the grid manager
follows the grid's care and collection and may step in. Technicians own no customers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role


class Action(StrEnum):
    VIEW = "retention.care.view"
    CONTACT = "retention.care.contact"  # obj: the customer
    RULES = "retention.rule.manage"
    COLLECT = "retention.collection.view"
    WORK = "retention.collection.work"  # obj: the task
    PAYMENTS = "retention.payment.import"
    RATES = "retention.rates.view"


def _keeps(scope: Scope, customer: Any) -> bool:
    """The customer's owner, or the manager of the grid the customer is in."""
    if scope.staff_id is not None and customer.owner_id == scope.staff_id:
        return True
    if scope.own_records_only:
        return False
    return customer.site.grid_id in scope.managed_grid_ids


def _works(scope: Scope, task: Any) -> bool:
    if scope.staff_id is not None and task.owner_id == scope.staff_id:
        return True
    return not scope.own_records_only and task.grid_id in scope.managed_grid_ids


_KEEPER = {Action.VIEW, Action.CONTACT, Action.COLLECT, Action.WORK}


def register() -> None:
    permissions.declare(
        app="retention",
        actions={
            Action.VIEW: _("查看客户维系"),
            Action.CONTACT: _("登记维系联系"),
            Action.RULES: _("设置维系规则"),
            Action.COLLECT: _("查看续费与欠费催缴"),
            Action.WORK: _("登记催缴结果"),
            Action.PAYMENTS: _("导入缴费记录"),
            Action.RATES: _("查看维系与催缴指标"),
        },
        roles={
            Role.MARKET_ADMIN: set(Action),
            Role.GRID_MANAGER: {*_KEEPER, Action.RATES},
            Role.ACCOUNT_MARKETER: _KEEPER,
            Role.SALES_MARKETER: _KEEPER,
            Role.AGENT: _KEEPER,
        },
        rules={Action.CONTACT: _keeps, Action.WORK: _works},
    )
