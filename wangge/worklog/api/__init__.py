"""Worklog endpoints: daily logs (list, read, start, edit, submit, review); the team's
meetings, problems, trainings and planned rotations (list, read).

Scoped like the pages: a marketer reads only their own logs, a manager their grids'. Every
state change sends the `version` it read; a stale one answers 409 with nothing changed.
A second log for the same day, a future day, or a review by someone who does not manage
the author are refused (400, or 404 for the review, like a log that is not there).
"""

from wangge.core.api import ApiRouter
from wangge.worklog.api import logs, team

router = ApiRouter(tags=["worklog"])
router.add_router("", logs.router)
router.add_router("", team.router)
