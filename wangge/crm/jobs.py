"""The crm's scheduled work."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule


def site_counts_recount() -> int:
    from wangge.crm.services import site_counts_refresh

    return site_counts_refresh()


def register() -> None:
    # The figures kept per site (`Site.customers`, `SiteCustomerCount`) and each line's
    # stored grid counted again from the customers: the services keep them with every
    # write, so this only mends what a write around them (a shell, a raw load) left behind,
    # for a night at most.
    schedule.register(
        "crm.site_counts_refresh",
        site_counts_recount,
        daily_at=dt.time(1, 40),
        label=_("网格单元客户数重算"),
    )
