"""Promotion material: put up, inspected, and the public leads its QR codes bring."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.sales.models import Opportunity, PromoInspection, PromoPiece
from wangge.sales.permissions import Action
from wangge.sales.services.common import acting_staff
from wangge.sales.services.opportunities import opportunity_create
from wangge.territory.models import Site

MAX_PHOTO_BYTES = 5 * 1024 * 1024
#: Photo types by their first bytes: the browser's claimed content type is not trusted.
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
#: A mainland mobile (11 digits from 1) or a landline with area code.
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")

_FINDING_STATE: dict[str, str] = {
    PromoInspection.Finding.PRESENT: PromoPiece.State.UP,
    PromoInspection.Finding.REPLACED: PromoPiece.State.UP,
    PromoInspection.Finding.DAMAGED: PromoPiece.State.DAMAGED,
    PromoInspection.Finding.MISSING: PromoPiece.State.MISSING,
}


def photo_type(data: bytes | None) -> str:
    """The photo's type from its content, or a ValidationError naming the limit."""
    if not data:
        return ""
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": _("照片不能超过 5 MB。")})
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    raise ValidationError({"photo": _("照片只能是 JPEG 或 PNG 格式。")})


@transaction.atomic
def piece_create(
    *,
    actor: Any,
    site: Site,
    kind: str,
    building: str = "",
    title: str = "",
    photo: bytes | None = None,
) -> PromoPiece:
    if site.grid_id is None:
        raise ValidationError({"site": _("该小区尚未划入网格。")})
    require(actor, Action.PROMOTE, site.grid_id)
    staff = acting_staff(actor)
    if staff is None:
        raise ValidationError(_("只有网格人员可以登记宣传品。"))
    piece = PromoPiece(
        kind=kind,
        site=site,
        grid_id=site.grid_id,
        building=building,
        title=title,
        put_up_by=staff,
        photo=photo or None,
        photo_type=photo_type(photo),
    )
    return audited_create(actor=actor, instance=piece)


@transaction.atomic
def piece_inspect(
    *,
    actor: Any,
    piece: PromoPiece,
    finding: str,
    note: str = "",
    photo: bytes | None = None,
) -> PromoInspection:
    require(actor, Action.PROMOTE, piece.grid_id)
    staff = acting_staff(actor)
    if staff is None:
        raise ValidationError(_("只有网格人员可以巡查宣传品。"))
    if finding not in _FINDING_STATE:
        raise ValidationError({"finding": _("请选择巡查结果。")})
    inspection = audited_create(
        actor=actor,
        instance=PromoInspection(
            piece=piece,
            by=staff,
            finding=finding,
            note=note,
            photo=photo or None,
            photo_type=photo_type(photo),
        ),
    )
    audited_update(
        actor=actor,
        instance=piece,
        data={"state": _FINDING_STATE[finding], "last_inspected_on": clock.today()},
        fields=("state", "last_inspected_on"),
    )
    return inspection


@transaction.atomic
def lead_submit(*, piece: PromoPiece, name: str, phone: str, need: str = "") -> Opportunity:
    """A lead from the public form behind a piece's QR code (no login): an opportunity on
    the piece's grid board, attributed to the piece, waiting to be dispatched."""
    errors = {}
    name, phone, need = name.strip(), re.sub(r"[\s]", "", phone), need.strip()
    if not name or len(name) > 32:
        errors["name"] = _("请填写您的称呼（不超过 32 个字）。")
    if not PHONE.match(phone):
        errors["phone"] = _("请填写正确的手机号或固定电话。")
    if len(need) > 500:
        errors["need"] = _("需求说明不能超过 500 个字。")
    if errors:
        raise ValidationError(errors)
    if piece.state == PromoPiece.State.REMOVED:
        raise ValidationError(_("该宣传品已撤除。"))
    return opportunity_create(
        actor=SYSTEM,
        source=Opportunity.Source.PROMOTION_QR,
        site=piece.site,
        need=need,
        contact_name=name,
        contact_phone=phone,
        piece=piece,
    )
