"""The site figures a grid plan can balance, in the order the UI offers them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

#: attribute -> label. Each is a numeric field on Site, except `workload`, derived below.
BALANCE_ATTRIBUTES = {
    "households": _("总户数"),
    "customers": _("现有用户数"),
    "covered_households": _("覆盖户数"),
    "free_ports": _("空闲端口"),
    "workload": _("工作量指数"),
}

#: Weights of the workload index: keeping a customer costs more than knocking on a door.
WORKLOAD_PER_CUSTOMER = 1.0
WORKLOAD_PER_HOUSEHOLD = 0.25


def workload(households: Any, customers: Any) -> Any:
    """Scalars or numpy arrays alike."""
    return WORKLOAD_PER_CUSTOMER * customers + WORKLOAD_PER_HOUSEHOLD * households
