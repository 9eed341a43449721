"""The worklog pages."""

from wangge.worklog import views, views_team

app_name = "worklog"

urlpatterns = [*views.urls, *views_team.urls]
