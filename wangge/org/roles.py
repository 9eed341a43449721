"""The roles of the grid organisation (glossary: 市场部, 网格经理, 营销员, 安装维护专员, 代理商)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MARKET_ADMIN = "market_admin", _("市场部")
    GRID_MANAGER = "grid_manager", _("网格经理")
    ACCOUNT_MARKETER = "account_marketer", _("营销员（客户）")
    SALES_MARKETER = "sales_marketer", _("营销员（销售）")
    TECHNICIAN = "technician", _("安装维护专员")
    AGENT = "agent", _("代理商")


#: Roles someone can hold inside a grid (the market department works above grids).
GRID_ROLES = [r for r in Role if r is not Role.MARKET_ADMIN]

#: Order of the organisation chart: who stands above whom in a grid.
CHART_ORDER = {
    Role.GRID_MANAGER: 0,
    Role.ACCOUNT_MARKETER: 1,
    Role.SALES_MARKETER: 2,
    Role.TECHNICIAN: 3,
    Role.AGENT: 4,
    Role.MARKET_ADMIN: 5,
}
