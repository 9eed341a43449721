"""The worklog pages."""

from wangge.worklog import views

app_name = "worklog"

urlpatterns = [*views.urls]
