"""The worklog app's records: daily logs and their reviews, leave; meetings with their
attendance and action items, the problem board, training, planned rotations."""

from wangge.worklog.models.logs import (
    LOG_ROLES,
    Leave,
    LogReview,
    WorkLog,
    WorkLogQuerySet,
)
from wangge.worklog.models.team import (
    ActionItem,
    Attendance,
    Meeting,
    Problem,
    RotationPlan,
    Training,
    TrainingAttendance,
)

__all__ = [
    "LOG_ROLES",
    "ActionItem",
    "Attendance",
    "Leave",
    "LogReview",
    "Meeting",
    "Problem",
    "RotationPlan",
    "Training",
    "TrainingAttendance",
    "WorkLog",
    "WorkLogQuerySet",
]
