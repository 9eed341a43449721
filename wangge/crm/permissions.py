"""Who may change what in the information base (its share of the role table).

Who may *see* a row is `visible_to`'s job; these actions narrow what one may do with it.
The roles follow the seed's duties (§三.1):

* everyone with a role reads the information base (rows narrowed by `visible_to`) and may
  leave a note on a customer they see (the technician after an install too);
* 营销员（客户） keeps customers: edits the ones they own and works the renewals and
  arrears of every subscription in the grid (collection is their duty, whoever sold it);
* 营销员（销售） sells: registers customers and keeps the ones they own;
* 安装维护专员 installs and repairs: reads the grid's customers, no commercial edits (no new
  customers, no subscriptions, no competitor intelligence);
* 代理商 sell for themselves: they register customers they own, in their grid, and change
  only those; they see no sites and gather no intelligence;
* the grid manager changes everything in their grids; the market department everything,
  and alone keeps the catalogue (products, tariff plans, competitors).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import permissions
from wangge.core.access import Scope
from wangge.org.roles import Role
from wangge.territory.models import site_visible


class Action(StrEnum):
    VIEW = "crm.view"
    CREATE_CUSTOMER = "crm.customer.create"  # obj: the site the customer is placed at
    IMPORT_CUSTOMERS = "crm.customer.import"  # sheets of customers: the grid's staff
    EDIT_CUSTOMER = "crm.customer.edit"  # obj: the customer
    NOTE_CUSTOMER = "crm.customer.note"  # obj: the customer
    EDIT_SUBSCRIPTION = "crm.subscription.edit"  # obj: the customer it belongs to
    SURVEY_SITE = "crm.site.survey"  # obj: the site (competitor intelligence)
    MANAGE_CATALOGUE = "crm.catalogue.manage"


def _owns(scope: Scope, customer: Any) -> bool:
    return scope.staff_id is not None and customer.owner_id == scope.staff_id


def _manages(scope: Scope, customer: Any) -> bool:
    return customer.site.grid_id in scope.managed_grid_ids


def place_customer(scope: Scope, site: Any) -> bool:
    """New customers go to sites of one's own grids (agents' too, though they cannot browse
    the sites)."""
    return site.grid_id in scope.grid_ids


def edit_customer(scope: Scope, customer: Any) -> bool:
    """The named owner (名单制) keeps the record; the grid's manager oversees it."""
    return _owns(scope, customer) or _manages(scope, customer)


def note_customer(scope: Scope, customer: Any) -> bool:
    from wangge.crm.models.scopes import customer_visible

    return customer_visible(scope, customer)


def edit_subscription(scope: Scope, customer: Any) -> bool:
    """Renewals and arrears: besides who edits the customer, the account marketers of the
    customer's grid, whose duty collection is."""
    if edit_customer(scope, customer):
        return True
    return scope.role == Role.ACCOUNT_MARKETER and customer.site.grid_id in scope.grid_ids


def survey_site(scope: Scope, site: Any) -> bool:
    return site_visible(scope, site)


_READ = {Action.VIEW, Action.NOTE_CUSTOMER}
_KEEP = {Action.CREATE_CUSTOMER, Action.EDIT_CUSTOMER, Action.EDIT_SUBSCRIPTION}
#: The grid's own staff, not agents: they survey sites and bring sheets of customers.
_FIELD = {Action.SURVEY_SITE, Action.IMPORT_CUSTOMERS}


def register() -> None:
    permissions.declare(
        app="crm",
        actions={
            Action.VIEW: _("查看客户信息"),
            Action.CREATE_CUSTOMER: _("新建客户"),
            Action.IMPORT_CUSTOMERS: _("导入客户"),
            Action.EDIT_CUSTOMER: _("修改客户"),
            Action.NOTE_CUSTOMER: _("记录客户备注"),
            Action.EDIT_SUBSCRIPTION: _("修改订购（续费、欠费）"),
            Action.SURVEY_SITE: _("记录竞争情报"),
            Action.MANAGE_CATALOGUE: _("维护产品、资费与竞争对手"),
        },
        roles={
            Role.MARKET_ADMIN: {*_READ, *_KEEP, *_FIELD, Action.MANAGE_CATALOGUE},
            Role.GRID_MANAGER: {*_READ, *_KEEP, *_FIELD},
            Role.ACCOUNT_MARKETER: {*_READ, *_KEEP, *_FIELD},
            Role.SALES_MARKETER: {*_READ, *_KEEP, *_FIELD},
            Role.TECHNICIAN: _READ,
            Role.AGENT: {*_READ, *_KEEP},
        },
        rules={
            Action.CREATE_CUSTOMER: place_customer,
            Action.EDIT_CUSTOMER: edit_customer,
            Action.NOTE_CUSTOMER: note_customer,
            Action.EDIT_SUBSCRIPTION: edit_subscription,
            Action.SURVEY_SITE: survey_site,
        },
    )
