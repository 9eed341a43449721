"""Notifications to a chat group robot (企业微信 群机器人), behind a setting (off by default).

`WANGGE_WEBHOOK_URL` set, every batch of new notifications becomes one message in the
robot's format (`{"msgtype": "markdown", "markdown": {"content": …}}`, or `text` with
`WANGGE_WEBHOOK_FORMAT=text`) posted from the task queue, so a slow or dead webhook never
holds up the request that notified. A failed post is retried a bounded number of times
(`WANGGE_WEBHOOK_ATTEMPTS`, default 3) and then logged; it never raises into the caller.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django_tasks import task

from wangge.core.models import Notification

log = logging.getLogger(__name__)

#: The robot refuses a markdown message over 4096 bytes (text: 2048).
LIMITS = {"markdown": 4096, "text": 2048}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _clip(content: str, limit: int) -> str:
    raw = content.encode()
    if len(raw) <= limit:
        return content
    return raw[: limit - 3].decode(errors="ignore") + "…"


def message(notes: Sequence[Notification], fmt: str = "markdown") -> dict[str, Any]:
    """The robot message for a batch of notifications (one line each, with the person)."""
    lines = []
    for n in notes:
        who = n.recipient.get_full_name() or n.recipient.get_username()
        if fmt == "markdown":
            line = f"**{who}**：{n.title}"
            if n.body:
                line += f"\n> {n.body}"
        else:
            line = f"{who}：{n.title}" + (f"\n{n.body}" if n.body else "")
        lines.append(line)
    content = _clip("\n\n".join(lines), LIMITS[fmt])
    return {"msgtype": fmt, fmt: {"content": content}}


def post(url: str, payload: dict[str, Any], *, attempts: int = 3, backoff: float = 1.0) -> bool:
    """POST the message; True once the robot accepted it (HTTP 2xx and `errcode` 0)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                reply = json.loads(answer.read() or b"{}")
            if reply.get("errcode", 0) == 0:
                return True
            problem = f"errcode {reply.get('errcode')}: {reply.get('errmsg', '')}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            problem = str(exc)
        log.warning("Webhook post failed (attempt %s of %s): %s", attempt, attempts, problem)
        if attempt < attempts and backoff:
            time.sleep(backoff * attempt)
    log.error("Webhook gave up after %s attempts; the notifications stay in the app.", attempts)
    return False


@task()
def post_in_background(payload: dict[str, Any]) -> bool:
    url = _setting("WANGGE_WEBHOOK_URL", "")
    if not url:
        return False
    return post(
        url,
        payload,
        attempts=max(1, int(_setting("WANGGE_WEBHOOK_ATTEMPTS", 3))),
        backoff=float(_setting("WANGGE_WEBHOOK_BACKOFF", 1.0)),
    )


def deliver(notes: Sequence[Notification]) -> None:
    """The `core.notify` deliverer: queue one robot message for the new notifications."""
    if not notes or not _setting("WANGGE_WEBHOOK_URL", ""):
        return
    fmt = _setting("WANGGE_WEBHOOK_FORMAT", "markdown")
    if fmt not in LIMITS:
        fmt = "markdown"
    try:
        post_in_background.enqueue(message(notes, fmt))
    except Exception:
        log.exception("Could not queue the webhook message")


def register() -> None:
    from wangge.core import notify

    notify.add_deliverer("webhook", deliver)
