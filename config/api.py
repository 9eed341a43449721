from ninja import NinjaAPI

from wangge.core.api import ActiveSessionAuth, TokenAuth, install_error_handlers
from wangge.crm.api import router as crm_router
from wangge.insights.api import router as insights_router
from wangge.org.api import router as org_router
from wangge.performance.api import router as performance_router
from wangge.retention.api import router as retention_router
from wangge.sales.api import router as sales_router
from wangge.service.api import router as service_router
from wangge.territory.api import router as territory_router
from wangge.worklog.api import router as worklog_router

api = NinjaAPI(
    title="wangge API",
    version="1",
    description="网格化营销管理 API. Session cookie (browser) or `Authorization: Bearer <token>`.",
    auth=[ActiveSessionAuth(), TokenAuth()],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", org_router)
api.add_router("/", territory_router)
api.add_router("/", crm_router)
api.add_router("/", sales_router)
api.add_router("/", service_router)
api.add_router("/", retention_router)
api.add_router("/", worklog_router)
api.add_router("/", performance_router)
api.add_router("/", insights_router)
