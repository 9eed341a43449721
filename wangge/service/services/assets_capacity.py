"""Site capacity (资源能力) derived from the asset register: free ports and covered
households, per site and per grid.

Free ports: the unused ports of the in-service assets that take a subscriber (ONUs,
building switches, splitters; `Asset.SUBSCRIBER_PORT_KINDS`). Covered households: the
access layers overlap (an optical receiver and the building switches behind it cover the
same homes), so a site covers what its widest layer covers: the largest per-kind sum over
its working assets (in service or faulty: a faulty switch's homes are still wired), never
more than the site's households.

Grid balancing reads `Site.free_ports` and `Site.covered_households` (territory's
`unit_arrays`); there is no extension point for another source. Like the crm's
`site_counts_refresh` for 现有用户数, `site_capacity_refresh` keeps those two figures of a
site with assets equal to the register, in the transaction of the asset write (bulk
imports call it once per chunk). A site the register knows nothing of keeps its typed
figures. A derived figure, not an edit: no audit entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, Sum

from wangge.service.models import Asset
from wangge.territory.models import Site

_BATCH = 500
WORKING = (Asset.State.IN_SERVICE, Asset.State.FAULTY)


@dataclass(frozen=True)
class Capacity:
    assets: int = 0
    ports_total: int = 0
    ports_used: int = 0
    covered_households: int = 0

    @property
    def ports_free(self) -> int:
        return max(self.ports_total - self.ports_used, 0)


def capacity_rows(assets: Any) -> dict[int, Capacity]:
    """Per site id, from a queryset of assets (already scoped by the caller): one query."""
    rows = (
        assets.filter(state__in=WORKING)
        .order_by()
        .values("site_id", "kind")
        .annotate(
            total=Sum("ports_total", filter=Q(state=Asset.State.IN_SERVICE)),
            used=Sum("ports_used", filter=Q(state=Asset.State.IN_SERVICE)),
            covered=Sum("covered_households"),
            n=Sum(1),
        )
    )
    acc: dict[int, dict[str, int]] = defaultdict(
        lambda: {"assets": 0, "ports_total": 0, "ports_used": 0, "covered_households": 0}
    )
    for r in rows:
        a = acc[r["site_id"]]
        a["assets"] += r["n"] or 0
        if r["kind"] in Asset.SUBSCRIBER_PORT_KINDS:
            a["ports_total"] += r["total"] or 0
            a["ports_used"] += r["used"] or 0
        a["covered_households"] = max(a["covered_households"], r["covered"] or 0)
    return {site_id: Capacity(**a) for site_id, a in acc.items()}


def site_capacity_refresh(*, site_ids: Iterable[int] | None = None) -> int:
    """Make `Site.free_ports` and `Site.covered_households` of these sites (every site
    with an asset when None) what the register says. Returns the sites updated."""
    if site_ids is None:
        ids = sorted(set(Asset.objects.order_by().values_list("site_id", flat=True).distinct()))
    else:
        ids = sorted(set(site_ids))
    updated = 0
    for at in range(0, len(ids), _BATCH):
        batch = ids[at : at + _BATCH]
        caps = capacity_rows(Asset.objects.filter(site_id__in=batch))
        sites = list(Site.objects.filter(pk__in=batch).only("id", "households", "kind"))
        changed = []
        for site in sites:
            cap = caps.get(site.pk, Capacity())
            site.free_ports = cap.ports_free
            site.covered_households = min(cap.covered_households, site.households)
            changed.append(site)
        Site.objects.bulk_update(changed, ["free_ports", "covered_households"])
        updated += len(changed)
    return updated


def free_ports_expr() -> Any:
    """Free ports of one asset row, for annotations."""
    return F("ports_total") - F("ports_used")
