"""The claw-back rule (追回): a sale whose account is cancelled soon after it was sold earns
no commission and counts for no target. Pure Python, no Django: the settlement and the
targets read the same rule, and it is property-tested on its own."""

from __future__ import annotations

import datetime as dt


def is_clawed_back(sold_on: dt.date, cancelled_on: dt.date | None, days: int) -> bool:
    """Whether a sale sold on `sold_on` whose account was cancelled on `cancelled_on`
    (None: still live) is clawed back under a claw-back period of `days` days.

    Within the period means on the day of the sale up to and including the `days`-th day
    after it: with 90 days, a sale of 1 March cancelled on 30 May (day 90) is clawed back,
    one cancelled on 31 May is not. A cancellation dated before the sale is bad data, not a
    claw-back (the model refuses it).
    """
    if days < 0:
        raise ValueError(f"The claw-back period cannot be negative ({days} days).")
    if cancelled_on is None or cancelled_on < sold_on:
        return False
    return (cancelled_on - sold_on).days <= days


def last_clawback_day(sold_on: dt.date, days: int) -> dt.date:
    """The last cancellation day that still claws the sale back."""
    if days < 0:
        raise ValueError(f"The claw-back period cannot be negative ({days} days).")
    return sold_on + dt.timedelta(days=days)
