"""What every surveyed record shares: when it was last verified, and by whom."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The rule is the territory's, so that sites go stale exactly like the crm's records.
from wangge.territory.freshness import (
    DEFAULT_RESURVEY_DAYS,
    resurvey_cutoff,
    resurvey_days,
    stale_q,
)

__all__ = ["DEFAULT_RESURVEY_DAYS", "Verified", "resurvey_cutoff", "resurvey_days", "stale_q"]


class Verified(models.Model):
    """The seed asks for the information base to be kept current (信息的定期及时更新):
    each record says when someone last confirmed it on the ground, and who."""

    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "org.Staff",
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Never filtered on; an index would only slow the bulk loads of large imports.
        db_index=False,
    )

    class Meta:
        abstract = True

    @property
    def needs_resurvey(self) -> bool:
        return self.verified_at is None or self.verified_at < resurvey_cutoff()
