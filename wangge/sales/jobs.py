"""The sales app's scheduled work."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule


def escalate() -> int:
    from wangge.sales.services import escalate_overdue

    return escalate_overdue()


def board_recount() -> int:
    from wangge.sales.models import BoardCount

    return BoardCount.recount()


def register() -> None:
    # Morning, before the day's first meeting: yesterday's unanswered dispatches are raised.
    schedule.register(
        "sales.escalate_overdue",
        escalate,
        daily_at=dt.time(7, 30),
        label=_("超时派单上报"),
    )
    # The board's kept summary counted again from the opportunities (`BoardCount`): what a
    # write around `Opportunity.save` left behind lasts a night at most.
    schedule.register(
        "sales.board_recount",
        board_recount,
        daily_at=dt.time(1, 55),
        label=_("派单看板汇总重算"),
    )
