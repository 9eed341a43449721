from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from wangge.org.views import home

handler400 = "wangge.core.middleware.bad_request"

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("wangge.org.urls")),
    path("", include("wangge.core.urls")),
    path("territory/", include("wangge.territory.urls")),
    path("crm/", include("wangge.crm.urls")),
    path("sales/", include("wangge.sales.urls")),
    path("service/", include("wangge.service.urls")),
    path("retention/", include("wangge.retention.urls")),
    path("worklog/", include("wangge.worklog.urls")),
    path("performance/", include("wangge.performance.urls")),
    path("insights/", include("wangge.insights.urls")),
]
