"""The site figures a grid plan can balance, in the order the UI offers them.

The list is open: any numeric field of `Site` becomes balanceable (in the auto-plan form,
the partitioner's weights, the plan's totals, the comparison and the map) by one line in
`BALANCE_ATTRIBUTES`; `unit_arrays` reads exactly the fields named here. A figure that is
not a field is computed from the fields in `DERIVED`. Capacity (资源能力: `free_ports`,
`covered_households`) is written to the site by the service app from its asset register
(`service.services.assets_capacity.site_capacity_refresh`), so a plan balances on the
network as registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

#: attribute -> label. Each is a numeric field on Site, except those in `DERIVED`.
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


#: attribute -> how it is computed from the field attributes' arrays (or scalars).
DERIVED: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "workload": lambda f: workload(f["households"], f["customers"]),
}


def site_fields() -> list[str]:
    """The `Site` fields the balanceable attributes are read from, in the UI's order."""
    return [a for a in BALANCE_ATTRIBUTES if a not in DERIVED]
