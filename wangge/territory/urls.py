from django.urls import path

from wangge.territory import views

app_name = "territory"

urlpatterns = [
    path("map/", views.grid_map, name="map"),
    path("grids.geojson", views.active_geojson, name="active_geojson"),
    path("sites/", views.SiteListView.as_view(), name="site_list"),
    path("sites/new/<str:kind>/", views.site_create, name="site_create"),
    path("sites/<int:pk>/", views.SiteDetailView.as_view(), name="site_detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/verify/", views.site_verify, name="site_verify"),
    path("surveys/", views.survey_board, name="survey_board"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/auto/", views.plan_auto, name="plan_auto"),
    path("plans/import/", views.plan_import, name="plan_import"),
    path("plans/import/kml/", views.plan_import_kml, name="plan_import_kml"),
    path("plans/snapshot/", views.plan_snapshot, name="plan_snapshot"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/geojson/", views.plan_geojson, name="plan_geojson"),
    path("plans/<int:pk>/kml/", views.plan_kml, name="plan_kml"),
    path("plans/<int:pk>/compare/", views.plan_compare, name="plan_compare"),
    path("plans/<int:pk>/activate/", views.plan_activate, name="plan_activate"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
    path("plans/<int:pk>/editor/", views.plan_editor, name="plan_editor"),
    path("plans/<int:pk>/frontier/pick/", views.plan_frontier_pick, name="plan_frontier_pick"),
]
