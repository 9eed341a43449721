from django.urls import path

from wangge.org import views

app_name = "org"

urlpatterns = [
    path("grids/", views.GridListView.as_view(), name="grid_list"),
    path("grids/new/", views.grid_edit, name="grid_create"),
    path("grids/<int:pk>/", views.GridDetailView.as_view(), name="grid_detail"),
    path("grids/<int:pk>/edit/", views.grid_edit, name="grid_edit"),
    path("grids/<int:pk>/technician/", views.grid_technician, name="grid_technician"),
    path("staff/", views.StaffListView.as_view(), name="staff_list"),
    path("staff/new/", views.staff_edit, name="staff_create"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team_detail"),
]
