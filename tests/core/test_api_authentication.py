"""Every operation of the OpenAPI schema answers 401 without credentials (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.core import NOT_SET, NotSet
from schemathesis.core.result import Ok

from tests.core.api_world import ApiData, api_data, schema

__all__ = ["api_data"]  # the fixture, imported for pytest


@pytest.mark.django_db(transaction=True)
def test_every_operation_requires_authentication(api_data: ApiData) -> None:
    """No credentials: 401 in the error shape, before any validation or lookup."""
    labels = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        params = {p.name: api_data.grid_ids[0] for p in operation.path_parameters}
        body: dict[str, Any] | NotSet = {} if operation.body else NOT_SET
        case = operation.Case(path_parameters=params, body=body)
        response = case.call()
        assert "Authorization" not in response.request.headers
        assert response.status_code == 401, (operation.label, response.status_code)
        assert response.json()["code"] == "unauthenticated", operation.label
        case.validate_response(response)
        labels.append(operation.label)
    assert "PATCH /api/org/grids/{grid_id}" in labels
