"""Our products and their tariff plans (read only here)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path

from wangge.core.api import ApiRouter, Id, with_errors
from wangge.core.permissions import require
from wangge.crm import selectors
from wangge.crm.api.schemas import ProductOut
from wangge.crm.models import Product
from wangge.crm.permissions import Action

router = ApiRouter()


@router.get("/crm/products", response=with_errors({200: list[ProductOut]}))
def product_list(request: HttpRequest) -> Any:
    require(request.user, Action.VIEW)
    return list(selectors.product_list(user=request.user))


@router.get("/crm/products/{product_id}", response=with_errors({200: ProductOut}))
def product_detail(request: HttpRequest, product_id: Path[Id]) -> Product:
    require(request.user, Action.VIEW)
    return get_object_or_404(selectors.product_list(user=request.user), pk=product_id)
