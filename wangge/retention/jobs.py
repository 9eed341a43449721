"""The retention app's scheduled work: the care engine and collection tasks, nightly."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock, notify, schedule
from wangge.retention import engine, services
from wangge.retention.models import CareDue

#: Overdue care is announced on the first days it is late (a scheduler that was down a
#: night still announces it; the key makes each item land once).
ALERT_DAYS = 3


def care_alerts(*, as_of: dt.date | None = None) -> int:
    """One notification per newly overdue care item to its owner; returns how many asked."""
    as_of = as_of or clock.today()
    late = (
        CareDue.objects.filter(overdue_days__gte=1, overdue_days__lte=ALERT_DAYS)
        .select_related("customer", "rule", "owner")
        .order_by("id")
    )
    url = reverse("retention:care_list") + "?state=overdue"
    sent = 0
    for item in late.iterator(chunk_size=1000):
        notify.send(
            [item.owner.user_id],
            kind="retention.care_overdue",
            title=_("客户维系已逾期：%(customer)s") % {"customer": item.customer.name},
            body=_("%(rule)s，应于 %(due)s 联系。")
            % {"rule": item.rule.name, "due": item.due_on.isoformat()},
            url=url,
            key=f"{item.customer_id}:{item.rule_id}:{item.due_on.isoformat()}",
        )
        sent += 1
    return sent


def care_nightly() -> int:
    written = engine.refresh()
    care_alerts()
    return written


def collections_nightly() -> int:
    return services.collections_generate()


def register() -> None:
    schedule.register(
        "retention.care", care_nightly, daily_at=dt.time(2, 0), label=gettext_lazy("客户维系计算")
    )
    schedule.register(
        "retention.collections",
        collections_nightly,
        daily_at=dt.time(2, 30),
        label=gettext_lazy("生成续费与催缴任务"),
    )
