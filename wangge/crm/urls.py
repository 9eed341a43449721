from django.urls import path  # noqa: F401  (pages are added by the crm views)

app_name = "crm"

urlpatterns: list = []  # type: ignore[type-arg]
