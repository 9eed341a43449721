"""A customer's contacts and notes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Status

from wangge.core.api import ApiRouter, Id, with_errors
from wangge.core.permissions import require
from wangge.crm import selectors, services
from wangge.crm.api.common import editable_customer, errors_named_as_sent
from wangge.crm.api.schemas import ContactIn, ContactOut, ContactPatch, NoteIn, NoteOut
from wangge.crm.api.shaping import contact_out
from wangge.crm.models import Contact, Note
from wangge.crm.permissions import Action

router = ApiRouter()


def _editable_contact(user: Any, pk: int) -> Contact:
    require(user, Action.VIEW)
    contacts = Contact.objects.visible_to(user).select_related("customer__site", "customer__owner")
    contact = get_object_or_404(contacts, pk=pk)
    require(user, Action.EDIT_CUSTOMER, contact.customer)
    return contact


@router.post("/crm/customers/{customer_id}/contacts", response=with_errors({201: ContactOut}))
def contact_create(
    request: HttpRequest, customer_id: Path[Id], payload: ContactIn
) -> Status[dict[str, Any]]:
    user = request.user
    customer = editable_customer(user, customer_id)
    with errors_named_as_sent():
        contact = services.contact_create(actor=user, customer=customer, **payload.model_dump())
    return Status(201, contact_out(user, contact, customer))


@router.patch("/crm/contacts/{contact_id}", response=with_errors({200: ContactOut}))
def contact_update(
    request: HttpRequest, contact_id: Path[Id], payload: ContactPatch
) -> dict[str, Any]:
    user = request.user
    contact = _editable_contact(user, contact_id)
    with errors_named_as_sent():
        contact = services.contact_update(
            actor=user, contact=contact, data=payload.model_dump(exclude_unset=True)
        )
    return contact_out(user, contact, contact.customer)


@router.delete("/crm/contacts/{contact_id}", response=with_errors({204: None}))
def contact_delete(request: HttpRequest, contact_id: Path[Id]) -> Status[None]:
    user = request.user
    services.contact_delete(actor=user, contact=_editable_contact(user, contact_id))
    return Status(204, None)


@router.post(
    "/crm/customers/{customer_id}/notes",
    response=with_errors({201: NoteOut}),
    summary="Add a note; anyone who sees the customer may. Notes are never edited.",
)
def note_create(request: HttpRequest, customer_id: Path[Id], payload: NoteIn) -> Status[Note]:
    user = request.user
    require(user, Action.VIEW)
    customer = selectors.customer_detail(user=user, pk=customer_id)
    require(user, Action.NOTE_CUSTOMER, customer)
    with errors_named_as_sent():
        note = services.note_create(actor=user, customer=customer, text=payload.text)
    return Status(201, note)
