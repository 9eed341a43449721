from django.urls import path

from wangge.crm.views import catalogue, customers, intel, lists

app_name = "crm"

urlpatterns = [
    path("customers/", customers.CustomerListView.as_view(), name="customer_list"),
    path("customers/new/", customers.customer_create, name="customer_create"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/verify/", customers.customer_verify, name="customer_verify"),
    path("customers/<int:pk>/survey/", customers.organization_edit, name="organization_edit"),
    path("customers/<int:pk>/notes/", customers.note_create, name="note_create"),
    path("customers/<int:pk>/contacts/new/", customers.contact_create, name="contact_create"),
    path(
        "customers/<int:pk>/subscriptions/new/",
        customers.subscription_create,
        name="subscription_create",
    ),
    path("contacts/<int:pk>/edit/", customers.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", customers.contact_delete, name="contact_delete"),
    path("organizations/", lists.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/new/", customers.organization_create, name="organization_create"),
    path("subscriptions/", lists.SubscriptionListView.as_view(), name="subscription_list"),
    path("subscriptions/<int:pk>/edit/", customers.subscription_edit, name="subscription_edit"),
    path("products/", catalogue.catalogue, name="catalogue"),
    path("products/new/", catalogue.product_edit, name="product_create"),
    path("products/<int:pk>/edit/", catalogue.product_edit, name="product_edit"),
    path("plans/new/", catalogue.plan_edit, name="plan_create"),
    path("plans/<int:pk>/edit/", catalogue.plan_edit, name="plan_edit"),
    path("competitors/new/", catalogue.competitor_edit, name="competitor_create"),
    path("competitors/<int:pk>/edit/", catalogue.competitor_edit, name="competitor_edit"),
    path("intel/", intel.IntelListView.as_view(), name="intel_list"),
    path("intel/<int:pk>/", intel.intel_detail, name="intel_detail"),
    path("intel/<int:pk>/edit/", intel.intel_edit, name="intel_edit"),
    path("intel/<int:pk>/verify/", intel.intel_verify, name="intel_verify"),
    path("intel/<int:pk>/offers/new/", intel.offer_create, name="offer_create"),
    path("offers/<int:pk>/edit/", intel.offer_edit, name="offer_edit"),
    path("sites/<int:site_pk>/market/", intel.site_market, name="site_market"),
    path("sites/<int:site_pk>/intel/new/", intel.intel_create, name="intel_create"),
]
