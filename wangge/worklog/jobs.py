"""The worklog app's scheduled jobs and notification delivery.

Core's daily digest and chat-webhook delivery are registered here (the app that brought
them), so that core's own start-up stays as it is.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import digest, notify_webhook, schedule
from wangge.worklog import services_team

DIGEST_AT = dt.time(8, 0)
#: Just after midnight: a rotation takes effect at the start of its day.
ROTATIONS_AT = dt.time(0, 10)


def register() -> None:
    schedule.register("daily_digest", digest.send_digests, daily_at=DIGEST_AT, label=_("每日提要"))
    schedule.register(
        "worklog_rotations",
        services_team.rotations_apply,
        daily_at=ROTATIONS_AT,
        label=_("轮岗生效"),
    )
    notify_webhook.register()
