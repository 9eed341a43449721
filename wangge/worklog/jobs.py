"""The worklog app's scheduled jobs and notification delivery.

Core's daily digest and chat-webhook delivery are registered here (the app that brought
them), so that core's own start-up stays as it is.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import digest, notify_webhook, schedule

DIGEST_AT = dt.time(8, 0)


def register() -> None:
    schedule.register("daily_digest", digest.send_digests, daily_at=DIGEST_AT, label=_("每日提要"))
    notify_webhook.register()
