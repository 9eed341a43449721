"""Market potential of sites (市场潜力): how many more customers each site can bring.

Lower apps ask (performance's target decomposition weighs grids by it, the sales dispatch
board shows it beside each opportunity's site); a higher app answers: insights installs
its survey model here in `ready()`, so neither performance nor sales imports insights (the
layer contract).

Without a provider, or for a site the provider has no forecast for (it models estates),
a site's potential is the plain stand-in the apps used before the model: the households
not yet subscribed (households − subscribers, never below 0).

A provider may also split a grid's potential among its people (`people`: who surveys a
site, or owns its customers); `people_untapped` answers None without one, and the caller
keeps its own person-level weights.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Provider:
    #: `untapped(site_ids)`: customers each site can still bring, for the ids it forecasts.
    untapped: Callable[[Collection[int]], Mapping[int, int]]
    label: Any  # what the figure is, shown beside it (a lazy translation)
    #: `people(staff_ids, grid_id)`: each person's share of the untapped potential (of one
    #: grid, or all their grids), for the ids it has a split for; None when it has none yet.
    people: Callable[[Collection[int], int | None], Mapping[int, int] | None] | None = None


_provider: Provider | None = None


def install(provider: Provider | None) -> None:
    global _provider
    _provider = provider


def installed() -> Provider | None:
    return _provider


@contextmanager
def using(provider: Provider | None) -> Iterator[None]:
    """Run with `provider` (None: the stand-in only), restoring the one before after."""
    before = _provider
    install(provider)
    try:
        yield
    finally:
        install(before)


def stand_in(households: int, customers: int) -> int:
    return max(households - customers, 0)


def untapped(sites: Mapping[int, tuple[int, int]]) -> dict[int, int]:
    """Each site's untapped potential by id; `sites` gives each site's (households,
    subscribers), read by the caller, for the stand-in. The provider's forecast where it
    has one, the stand-in elsewhere."""
    out = {pk: stand_in(h, c) for pk, (h, c) in sites.items()}
    if _provider is not None and sites:
        forecast = _provider.untapped(list(sites))
        out.update({pk: int(v) for pk, v in forecast.items() if pk in out})
    return out


def people_untapped(
    staff_ids: Collection[int], grid_id: int | None = None
) -> dict[int, int] | None:
    """Each person's share of the untapped potential (of `grid_id`, or of all their grids):
    0 for a person who holds none; None when no provider splits potential among people (or
    it has no split yet): the caller keeps its own weights."""
    if _provider is None or _provider.people is None:
        return None
    got = _provider.people(list(staff_ids), grid_id)
    if got is None:
        return None
    return {pk: int(got.get(pk, 0)) for pk in staff_ids}
