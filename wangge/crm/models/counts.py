"""The crm's customers counted per site, kept beside the customers for the grid page.

A grid page's counts (customers, subscribers, prospects) read every customer row of the
grid: for the busiest grid of the 1M county (112k customers) PostgreSQL hashed the whole
customer table against the grid's sites, 180–230 ms of CPU per page. Kept per site, the
page sums one row per site of the grid (a few hundred). Per site rather than per grid, so
that a site changing grid (a plan's activation) carries its counts along with no write.

Kept by `crm.services.site_counts_refresh`, which every customer write and import calls
in its transaction for the sites it touched (as it keeps `Site.customers`), and recounted
in full by the nightly `crm.site_counts_refresh` job, which mends whatever a write around
the services (a shell's delete, a raw load) left behind.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Q

from wangge.crm.models.customers import Customer
from wangge.territory.models import Site


class SiteCustomerCount(models.Model):
    """How many customers the crm holds at one site: all, subscribers, prospects.

    A derived figure, not a record anyone edits (no version, no audit), and not read on
    its own: the grid page reads it for those who see every customer of the grid
    (`crm.models.scopes.grid_customers_visible`); everyone else's counts are scoped row by
    row."""

    site = models.OneToOneField(
        Site, primary_key=True, on_delete=models.CASCADE, related_name="customer_count"
    )
    customers = models.PositiveIntegerField(default=0)
    subscribers = models.PositiveIntegerField(default=0)
    prospects = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "site customer count"

    def __str__(self) -> str:
        return f"{self.site_id}: {self.customers}/{self.subscribers}/{self.prospects}"

    @staticmethod
    def tally() -> dict[str, Count]:
        """The three counts as aggregates over customers: one definition for the kept rows
        and the grid page's row-by-row count."""
        subscribers = Q(relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS)
        prospects = Q(relationship__in=Customer.PROSPECT_RELATIONSHIPS)
        return {
            "customers": Count("id"),
            "subscribers": Count("id", filter=subscribers),
            "prospects": Count("id", filter=prospects),
        }
