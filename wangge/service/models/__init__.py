"""Install and maintenance records: work orders with SLAs; network assets and inspections."""

from wangge.service.models.assets import *  # noqa: F403
from wangge.service.models.sla_days import *  # noqa: F403
from wangge.service.models.workorders import *  # noqa: F403
