"""The API's shape holds while its code moves: each app's API is a package of endpoint
modules, yet operation ids stay the package's, writes declare the write errors, and the
enums are the models' choices."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from pydantic import BaseModel

from config.api import api
from wangge.core.api import Choice, PageParams, operation_id, paginate
from wangge.crm.api import schemas as crm_schemas
from wangge.crm.models import Customer, Subscription
from wangge.org.models import Staff
from wangge.territory.api import schemas as territory_schemas
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.models import Site

WRITES = {"post", "put", "patch", "delete"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    paths = api.get_openapi_schema()["paths"]
    return [(path, method, op) for path, ops in paths.items() for method, op in ops.items()]


def test_operation_ids_are_named_after_the_apps_api_package_not_its_modules() -> None:
    ids = {op["operationId"] for _path, _method, op in _operations()}
    assert "wangge_crm_api_customer_list" in ids
    assert "wangge_org_api_grid_list" in ids
    assert "wangge_territory_api_plan_auto" in ids
    packages = {c.name.replace(".", "_") for c in apps.get_app_configs()}
    assert all(i.split("_api_")[0] in packages for i in ids)
    assert not any("_api_customers_" in i or "_api_schemas_" in i for i in ids)


def test_operation_id_of_an_endpoint_module_is_its_packages() -> None:
    def customer_list() -> None: ...

    customer_list.__module__ = "wangge.crm.api.customers"
    assert operation_id(customer_list) == "wangge_crm_api_customer_list"


def test_every_write_declares_the_stale_version_and_too_large_answers() -> None:
    for path, method, op in _operations():
        if method in WRITES:
            assert {"409", "413"} <= {str(k) for k in op["responses"]}, (method, path)


def _enum(model: type[BaseModel], field: str) -> list[Any]:
    schema = model.model_json_schema()
    prop = schema["properties"][field]
    return list(prop["enum"])


def test_enums_are_read_off_the_models_choices() -> None:
    assert _enum(crm_schemas.CustomerFilter, "kind") == ["", *Customer.Kind.values]
    assert _enum(crm_schemas.SubscriptionPatch, "status") == list(Subscription.Status.values)
    assert _enum(territory_schemas.SiteFilter, "kind") == ["", *Site.Kind.values]
    assert Choice(BALANCE_ATTRIBUTES).values == list(BALANCE_ATTRIBUTES)


@pytest.mark.django_db
def test_one_pagination_pages_and_counts(world: Any) -> None:
    qs = Staff.objects.order_by("pk")
    page = paginate(qs, PageParams(limit=2, offset=1), lambda c: c.pk)
    assert page["items"] == list(qs.values_list("pk", flat=True)[1:3])
    assert page["count"] == qs.count()
