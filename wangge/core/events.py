"""Domain events: what happened, published by a lower app's services, heard by higher apps.

An app defines its events as frozen dataclasses in its own `events.py` (plain ids, dates
and strings, so a background handler can receive them) and publishes them from its services
with `publish(...)`. Delivery waits for the surrounding transaction to commit: a write that
rolls back announces nothing, and a handler never sees a row that is not there.

Higher apps subscribe in `AppConfig.ready()`::

    events.subscribe(SubscriptionCreated, on_subscription, background=True)

Inline handlers run right after the commit, in the same request or command; background
handlers run in the task queue (`django-tasks`), one task per event and handler, so a slow
or failing handler never holds up or undoes the write that caused it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of every domain event; `name` is its stable, snake_case name."""

    name: ClassVar[str] = ""

    def payload(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, dt.date) else v
            for k, v in dataclasses.asdict(self).items()
        }


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]


@dataclass(frozen=True)
class _Subscription:
    handler: Handler
    background: bool


_types: dict[str, type[Event]] = {}
#: Keyed by the event's name, so an app may listen to a sibling's event it may not import
#: (service hears sales' `sale_won`): `subscribe("sale_won", handler)`.
_subscribers: dict[str, list[_Subscription]] = {}


def event(cls: type[E]) -> type[E]:
    """Class decorator: register an event type under its `name` (unique)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a name.")
    known = _types.get(cls.name)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise ValueError(f"Event name {cls.name!r} is taken by {known.__qualname__}.")
    _types[cls.name] = cls
    return cls


def _key(event_type: type[Event] | str) -> str:
    return event_type if isinstance(event_type, str) else event_type.name


def subscribe(
    event_type: type[E] | str, handler: Callable[[E], None], *, background: bool = False
) -> None:
    """Call `handler(event)` after each committed publication of `event_type`.

    Background handlers must be importable module-level functions (the worker imports them
    by path). Subscribing an equal handler twice is a no-op (apps may be readied twice).
    """
    if background and "<" in getattr(handler, "__qualname__", "<"):
        raise ValueError("A background handler must be a module-level function.")
    subs = _subscribers.setdefault(_key(event_type), [])
    if not any(s.handler == handler for s in subs):
        subs.append(_Subscription(handler=handler, background=background))


def unsubscribe(event_type: type[Event] | str, handler: Handler) -> None:
    key = _key(event_type)
    _subscribers[key] = [s for s in _subscribers.get(key, []) if s.handler != handler]


def publish(*events: Event) -> None:
    """Announce events once the current transaction commits (at once outside one)."""
    publish_many(events)


def publish_many(events: Iterable[Event]) -> None:
    """One commit callback for a batch (a bulk import announces each record it wrote)."""
    batch = [e for e in events if _subscribers.get(e.name)]
    if batch:
        transaction.on_commit(lambda: _deliver(batch))


def _deliver(batch: list[Event]) -> None:
    from wangge.core.tasks import run_event_handler

    for ev in batch:
        for sub in _subscribers.get(ev.name, []):
            if sub.background:
                path = f"{sub.handler.__module__}.{sub.handler.__qualname__}"
                run_event_handler.enqueue(path, ev.name, ev.payload())
                continue
            try:
                sub.handler(ev)
            except Exception:
                # The write has committed; one failing listener must not break the page or
                # the other listeners. It is logged with its traceback for the operator.
                log.exception("Event handler %r failed for %s", sub.handler, ev.name)


def rebuild(name: str, payload: dict[str, Any]) -> Event:
    """The event a background task received as JSON."""
    cls = _types[name]
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    values = {}
    for key, value in payload.items():
        kind = str(hints.get(key, ""))
        if isinstance(value, str) and kind.startswith("dt.date") and "datetime" not in kind:
            value = dt.date.fromisoformat(value)
        elif isinstance(value, str) and "datetime" in kind:
            value = dt.datetime.fromisoformat(value)
        values[key] = value
    return cls(**values)


def handle(path: str, name: str, payload: dict[str, Any]) -> None:
    """Run one background handler (called by the task)."""
    handler = import_string(path)
    handler(rebuild(name, payload))
