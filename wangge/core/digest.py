"""The daily digest: each person's unread notifications and today's items in one notification.

A scheduled job (registered by the worklog app) sends it on working days; it is keyed by the
day, so a second run the same day adds nothing, and it reaches the chat webhook like any
notification. A person with nothing unread and nothing due today gets none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wangge.core import clock, notify, workdays
from wangge.core.extensions import today_for

KIND = "digest"
#: The unread titles listed by name; the rest are counted.
SHOWN = 5


def digest_for(user: Any, today: dt.date) -> tuple[str, str] | None:
    """(title, body) of the person's digest, or None when there is nothing to say."""
    unread = notify.inbox(user).unread().exclude(kind=KIND)
    count = unread.count()
    lines: list[str] = []
    if count:
        lines.append(ngettext("%(n)s 条未读通知：", "%(n)s 条未读通知：", count) % {"n": count})
        lines += [f"· {t}" for t in unread.values_list("title", flat=True)[:SHOWN]]
    for section, every in today_for(user, today):
        # Standing information (rankings, figures, links to one's grids) is on the today page;
        # the digest carries what is asked of the person, so it is not sent for standings alone.
        items = [i for i in every if i.state != "info"]
        if not items:
            continue
        lines.append(f"{section.title}：")
        for item in items:
            lines.append(f"· {item.label}" + (f"（{item.shown}）" if item.count else ""))
    if not lines:
        return None
    title = _("%(day)s 今日提要") % {"day": today.strftime("%m-%d")}
    return title, "\n".join(lines)


def send_digests() -> int:
    """Send today's digest to every active person (working days only); returns how many."""
    today = clock.today()
    if not workdays.is_workday(today):
        return 0
    sent = 0
    for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
        found = digest_for(user, today)
        if found is None:
            continue
        title, body = found
        notify.send([user], kind=KIND, title=title, body=body, url="/", key=today.isoformat())
        sent += 1
    return sent
