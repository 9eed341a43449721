"""Where a higher app plugs into the pages of lower ones, without them knowing it.

* **Menu** entries: the navigation shows what each app registers, for those who may use it.
* **Panels**: a detail page (`site`, `customer`, `grid`, `staff`) renders the panels that
  apps register for it; `territory`'s site page never includes a `crm` template, and later
  apps add their sections without editing the page.
* **Today**: each app contributes to-do items for a person (due, overdue, to review); the
  home page is the person's today view built from them, empty sections hidden.
* **Day activity**: each app tells what a person did on a day (visits, check-ins,
  opportunities moved, collections, work orders); the daily work log is pre-filled from it
  without the log knowing the apps.

Apps register in `AppConfig.ready()`. Callables receive the acting user (and the object),
and must scope what they show like any selector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.urls import reverse

from wangge.core.pagination import bounded_count

PAGES = ("site", "customer", "grid", "staff")


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: Any
    url_name: str
    order: int = 100
    #: Who sees the entry; the page itself still checks its right.
    visible: Callable[[Any], bool] = field(default=lambda user: True)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Panel:
    key: str
    page: str
    template: str
    #: `context(request, obj)`: the panel's template context, or None to leave it out.
    context: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 100


State = Literal["overdue", "due", "review", "info"]

#: A today item's count is a reminder, not a report (its list counts in full): counted no
#: further than this, more shows as "99+", so a busy grid's home page stops at the hundredth
#: row instead of reading thousands (`today_count`).
TODAY_COUNT_CAP = 99


def today_count(qs: Any) -> int:
    """How many rows `qs` has, up to `TODAY_COUNT_CAP` + 1 (which `TodayItem` shows as "99+")."""
    return bounded_count(qs, TODAY_COUNT_CAP)


@dataclass(frozen=True)
class TodayItem:
    label: Any
    url: str = ""
    count: int | None = None
    due: dt.date | None = None
    state: State = "due"

    @property
    def shown(self) -> str:
        """The count as shown: "99+" past the cap."""
        if self.count is None:
            return ""
        return f"{TODAY_COUNT_CAP}+" if self.count > TODAY_COUNT_CAP else str(self.count)


@dataclass(frozen=True)
class TodaySection:
    key: str
    title: Any
    #: `items(user, today)`: what this app asks of the person today.
    items: Callable[[Any, dt.date], list[TodayItem]]
    order: int = 100


@dataclass(frozen=True)
class Activity:
    """One thing a person did on a day, as a line of their daily log."""

    text: Any
    at: dt.datetime | None = None
    url: str = ""


@dataclass(frozen=True)
class ActivitySource:
    key: str
    title: Any
    #: `items(user, day)`: what the person did that day in this app (their own records only).
    items: Callable[[Any, dt.date], list[Activity]]
    order: int = 100


_menu: dict[str, MenuEntry] = {}
_panels: dict[tuple[str, str], Panel] = {}
_today: dict[str, TodaySection] = {}
_activity: dict[str, ActivitySource] = {}
_derived: dict[str, dict[str, Callable[[Any], Iterable[str]]]] = {}


def add_menu(entry: MenuEntry) -> None:
    _menu[entry.key] = entry


def add_panel(panel: Panel) -> None:
    if panel.page not in PAGES:
        raise ValueError(f"No detail page {panel.page!r}; pages with panels: {PAGES}")
    _panels[(panel.page, panel.key)] = panel


def add_today(section: TodaySection) -> None:
    _today[section.key] = section


def menu_for(user: Any) -> list[MenuEntry]:
    return [e for e in sorted(_menu.values(), key=lambda e: (e.order, e.key)) if e.visible(user)]


def panels_for(page: str, request: Any, obj: Any) -> list[tuple[Panel, dict[str, Any]]]:
    shown = []
    for panel in sorted(
        (p for (pg, _k), p in _panels.items() if pg == page), key=lambda p: (p.order, p.key)
    ):
        ctx = panel.context(request, obj)
        if ctx is not None:
            shown.append((panel, ctx))
    return shown


def today_for(user: Any, today: dt.date) -> list[tuple[TodaySection, list[TodayItem]]]:
    """Each section with its items, in order; sections with nothing today are left out."""
    out = []
    for section in sorted(_today.values(), key=lambda s: (s.order, s.key)):
        items = section.items(user, today)
        if items:
            out.append((section, items))
    return out


def add_day_activity(source: ActivitySource) -> None:
    _activity[source.key] = source


def day_activity_for(user: Any, day: dt.date) -> list[tuple[ActivitySource, list[Activity]]]:
    """Each app's account of what `user` did on `day`, in order; empty ones left out."""
    out = []
    for source in sorted(_activity.values(), key=lambda s: (s.order, s.key)):
        items = source.items(user, day)
        if items:
            out.append((source, items))
    return out


def add_derived_fields(model: str, key: str, fields: Callable[[Any], Iterable[str]]) -> None:
    """A higher app that writes some fields of a lower app's record from its own data
    (service: a site's capacity from its assets) says, per record, which: the lower app's
    forms show them read-only instead of taking a value the next write would overwrite.
    `model` is the record's label (`"territory.site"`)."""
    _derived.setdefault(model, {})[key] = fields


def derived_fields(model: str, obj: Any) -> set[str]:
    """The fields of `obj` another app keeps (nothing for a record not saved yet)."""
    if getattr(obj, "pk", None) is None:
        return set()
    return {f for fields in _derived.get(model, {}).values() for f in fields(obj)}
