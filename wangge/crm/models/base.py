"""What every surveyed record shares: when it was last verified, and by whom."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock

#: How old (days) a verification may get before the record is due for re-survey (待复核).
DEFAULT_RESURVEY_DAYS = 180


def resurvey_days() -> int:
    """`WANGGE_RESURVEY_DAYS`, read at call time so tests and deployments can change it."""
    return int(getattr(settings, "WANGGE_RESURVEY_DAYS", DEFAULT_RESURVEY_DAYS))


def resurvey_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Verifications before this instant are stale."""
    return (now or clock.now()) - dt.timedelta(days=resurvey_days())


def stale_q(prefix: str = "", *, cutoff: dt.datetime | None = None) -> Q:
    """Never verified, or verified before the cutoff."""
    at = f"{prefix}verified_at"
    return Q(**{f"{at}__isnull": True}) | Q(**{f"{at}__lt": cutoff or resurvey_cutoff()})


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
