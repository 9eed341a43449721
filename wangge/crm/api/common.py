"""What the crm write endpoints share: references the user may name, refusals named as the
body named them, the records the user may change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from wangge.core.api import BodyIn
from wangge.core.permissions import require
from wangge.crm import selectors
from wangge.crm.models import Competitor, CompetitorIntel, Customer, TariffPlan
from wangge.crm.permissions import Action
from wangge.org.models import Staff
from wangge.territory.models import Site

_BODY_NAMES = {
    "site": "site_id",
    "owner": "owner_id",
    "current_provider": "current_provider_id",
    "plan": "plan_id",
    "competitor": "competitor_id",
}


@contextmanager
def errors_named_as_sent() -> Iterator[None]:
    """A service's refusal names `site`; the answer must name `site_id`, as the body did."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed = {_BODY_NAMES.get(k, k): v for k, v in exc.error_dict.items()}
        raise ValidationError(renamed) from exc


def visible_ref(qs: QuerySet[Any], pk: int, field: str, message: str, current: Model | None) -> Any:
    """The row `pk` among those the user may choose, or the record's present value: a named
    owner keeps a customer whose site lies outside their grids (名单制), and an old plan stays
    on its subscription after it is withdrawn."""
    if current is not None and current.pk == pk:
        return current
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: message})
    return found


def customer_refs(
    user: Any, data: Mapping[str, Any], customer: Customer | None = None
) -> dict[str, Any]:
    """The body's ids as the objects the services take; one the user cannot see is a 400."""
    out = dict(data)
    if "site_id" in out:
        out["site"] = visible_ref(
            Site.objects.visible_to(user),
            out.pop("site_id"),
            "site_id",
            _("没有这个网格单元，或您无权在此建档。"),
            customer.site if customer else None,
        )
    if "owner_id" in out:
        out["owner"] = visible_ref(
            Staff.objects.visible_to(user),
            out.pop("owner_id"),
            "owner_id",
            _("只能指定您可见的人员为负责人。"),
            customer.owner if customer else None,
        )
    if "current_provider_id" in out:
        pk = out.pop("current_provider_id")
        out["current_provider"] = None
        if pk is not None:
            out["current_provider"] = visible_ref(
                Competitor.objects.visible_to(user),
                pk,
                "current_provider_id",
                _("没有这个运营商。"),
                None,
            )
    return out


def plan_on_sale(user: Any, pk: int, current: TariffPlan | None = None) -> TariffPlan:
    on_sale = TariffPlan.objects.visible_to(user).filter(is_active=True).select_related("product")
    return visible_ref(on_sale, pk, "plan_id", _("没有这个在售的资费套餐。"), current)


def editable_customer(user: Any, pk: int) -> Customer:
    """A customer the user may change; any other (unseen, or only seen) answers 404."""
    require(user, Action.VIEW)
    customer = selectors.customer_detail(user=user, pk=pk)
    require(user, Action.EDIT_CUSTOMER, customer)
    return customer


def surveyable_intel(user: Any, pk: int) -> CompetitorIntel:
    require(user, Action.VIEW)
    intel = selectors.intel_detail(user=user, pk=pk)
    require(user, Action.SURVEY_SITE, intel.site)
    return intel


def split_verified(payload: BodyIn, *, partial: bool) -> tuple[dict[str, Any], bool]:
    """The body's fields (only those sent, for a PATCH) and its `verified` flag apart."""
    data = payload.model_dump(exclude_unset=partial)
    return data, bool(data.pop("verified", False))


def classification(payload: BodyIn, data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """`relationship` and `tier` from the body, or from the old `status` that clients
    written before the split send (`Customer.from_legacy_status`); what the body states
    itself wins. A new customer with neither is refused under `relationship`."""
    status = data.pop("status", None)
    if data.get("relationship") is None:
        data.pop("relationship", None)
    if status is not None:
        for name, value in Customer.from_legacy_status(status, creating=creating).items():
            if name not in payload.model_fields_set:
                data[name] = value
    if creating and "relationship" not in data:
        raise ValidationError({"relationship": _("新建时必须填写")})
    return data


def classification_filter(relationship: str, status: str, tier: str) -> dict[str, str]:
    """A list's classification filters; the old `status` filter reads as its facts."""
    out = {"relationship": relationship, "tier": tier}
    if status:
        facts = Customer.from_legacy_status(status, creating=False)
        out.update({k: v for k, v in facts.items() if not out[k]})
    return out
