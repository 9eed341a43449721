from django.urls import path

from wangge.core.views_audit import AuditListView

app_name = "core"

urlpatterns = [
    path("audit/", AuditListView.as_view(), name="audit_list"),
]
