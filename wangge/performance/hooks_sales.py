"""Sales records on other pages (the menu, the customer and staff panels) and the sales
event that records a won sale."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.core import events
from wangge.core import extensions as ext
from wangge.core.permissions import can
from wangge.performance import selectors_sales as selectors
from wangge.performance.permissions_sales import SalesAction
from wangge.sales.events import SaleWon


def on_sale_won(event: SaleWon) -> None:
    """`sale_won` (sales): the won order becomes a sales record, once."""
    from wangge.performance.services_sales import sales_record_from_order

    sales_record_from_order(order_id=event.order_id)


def _customer_panel(request: Any, customer: Any) -> dict[str, Any] | None:
    if not can(request.user, SalesAction.VIEW):
        return None
    records = selectors.recent(user=request.user, customer_id=customer.pk)
    if not records:
        return None
    return {"records": records, "show_seller": True}


def _staff_panel(request: Any, staff: Any) -> dict[str, Any] | None:
    if not can(request.user, SalesAction.VIEW):
        return None
    records = selectors.recent(user=request.user, seller_id=staff.pk)
    if not records:
        return None
    return {"records": records, "show_customer": True, "seller_id": staff.pk}


def _can_view(user: Any) -> bool:
    return can(user, SalesAction.VIEW)


def register() -> None:
    from wangge.performance import imports_sales  # noqa: F401  (registers the kind `sales`)

    events.subscribe(SaleWon, on_sale_won)
    ext.add_menu(
        ext.MenuEntry(
            "performance.sales", _("销售记录"), "performance:sales_list", order=70,
            visible=_can_view,
        )
    )  # fmt: skip
    ext.add_panel(
        ext.Panel(
            "performance.sales.customer", "customer", "performance/sales/_panel.html",
            _customer_panel, order=60,
        )
    )  # fmt: skip
    ext.add_panel(
        ext.Panel(
            "performance.sales.staff", "staff", "performance/sales/_panel.html", _staff_panel,
            order=60,
        )
    )  # fmt: skip
