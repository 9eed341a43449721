"""In-app notifications: how any app tells a person something needs them.

`send(...)` is called by services and scheduled jobs (an order overdue, a log returned, care
due). It writes after the surrounding transaction commits, like events, so a rolled-back
write notifies nobody; a `key` makes the nightly repeat of the same alert land once.
Delivery beyond the app (a daily digest, a chat webhook) hangs off `deliverers`: each is
called with the new notifications and must never raise into the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from wangge.core import clock
from wangge.core.models import Notification

log = logging.getLogger(__name__)

Deliverer = Callable[[Sequence[Notification]], None]
deliverers: dict[str, Deliverer] = {}


def add_deliverer(name: str, deliver: Deliverer) -> None:
    deliverers[name] = deliver


def send(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
) -> None:
    """Notify each recipient (users or user ids) once the current transaction commits."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    ids = [i for i in ids if i is not None]
    if not ids:
        return
    title = str(title)[:200]
    transaction.on_commit(
        lambda: _write(ids, kind=kind, title=title, body=str(body), url=url, key=key)
    )


def _write(ids: list[int], *, kind: str, title: str, body: str, url: str, key: str) -> None:
    fresh = [
        Notification(recipient_id=i, kind=kind, title=title, body=body, url=url, key=key)
        for i in ids
    ]
    if key:
        seen = set(
            Notification.objects.filter(recipient_id__in=ids, kind=kind, key=key).values_list(
                "recipient_id", flat=True
            )
        )
        fresh = [n for n in fresh if n.recipient_id not in seen]
    created: list[Notification] = []
    for n in fresh:
        try:
            with transaction.atomic():
                n.save()
            created.append(n)
        except IntegrityError:
            # Another process wrote the same keyed alert a moment ago: it is there once.
            continue
    for name, deliver in list(deliverers.items()):
        try:
            deliver(created)
        except Exception:
            log.exception("Notification deliverer %s failed", name)


def inbox(user: Any) -> Any:
    """The person's own notifications, newest first (even the market department sees only
    its own here)."""
    return Notification.objects.visible_to(user).filter(recipient_id=user.pk)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return inbox(user).unread().count()


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when `ids` is None)."""
    qs = inbox(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=clock.now())
