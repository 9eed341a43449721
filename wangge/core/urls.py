from django.urls import path

from wangge.core import views_imports, views_notify
from wangge.core.views_audit import AuditListView

app_name = "core"

urlpatterns = [
    path("notifications/", views_notify.inbox, name="notifications"),
    path("notifications/read/", views_notify.mark_read, name="notifications_read"),
    path("audit/", AuditListView.as_view(), name="audit_list"),
    path("imports/", views_imports.import_list, name="import_list"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/commit/", views_imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/errors.xlsx", views_imports.import_errors, name="import_errors"),
    path("imports/template/<slug:kind>/", views_imports.import_template, name="import_template"),
    path("exports/jobs/<int:pk>/", views_imports.export_job, name="export_job"),
    path("exports/jobs/<int:pk>/download", views_imports.export_download, name="export_download"),
    path("exports/<slug:kind>/", views_imports.export, name="export"),
]
