"""A customer's timeline: the audit entries of the customer and of what hangs on it
(survey, contacts, subscriptions), merged with its notes, newest first.

Phones in the audit log are shown under the same masking rule as on the page, so the
history cannot leak a number the user may not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from wangge.core.models import AuditEntry
from wangge.crm.models import Contact, Customer, Organization, Subscription
from wangge.crm.selectors import phone_shown

PHONE_FIELDS = frozenset({"phone", "contact_phone", "key_person_phone"})
#: Bookkeeping fields that say nothing a reader needs in a change list.
HIDDEN_FIELDS = frozenset({"id", "customer", "created_at", "verified_by"})


@dataclass
class Change:
    label: str
    before: Any
    after: Any


@dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str  # create | update | delete | verify | note
    actor: str
    subject: str
    text: str = ""
    changes: list[Change] = field(default_factory=list)


def _label_and_display(model: type[models.Model], name: str, value: Any) -> tuple[str, Any]:
    if model is Customer and name == "status":
        # Entries written before 客户分类 became `relationship` (crm 0005); its 重点 is a tier.
        name = "relationship"
        if value == Customer.LEGACY_KEY_STATUS:
            label = Customer._meta.get_field(name).verbose_name  # type: ignore[union-attr]
            return str(label), Customer.Tier.KEY.label
    try:
        f = model._meta.get_field(name)
    except Exception:  # a field since removed: show its raw name
        return name, value
    label = str(getattr(f, "verbose_name", name))
    choices = dict(getattr(f, "flatchoices", None) or [])
    if value in choices:
        value = choices[value]
    return label, value


def _entry(
    user: Any, customer: Customer, e: AuditEntry, model: type[models.Model]
) -> TimelineEntry:
    raw = e.changes()
    changes = []
    for name, before, after in raw:
        if name in HIDDEN_FIELDS or name == "verified_at":
            continue
        if name in PHONE_FIELDS:
            before = phone_shown(user=user, phone=before or "", customer=customer)
            after = phone_shown(user=user, phone=after or "", customer=customer)
        label, before = _label_and_display(model, name, before)
        _label, after = _label_and_display(model, name, after)
        changes.append(Change(label, before, after))
    kind = e.action
    verified = any(name == "verified_at" for name, _b, _a in raw)
    if kind == AuditEntry.Action.UPDATE and verified and not changes:
        kind = "verify"
    return TimelineEntry(
        at=e.at,
        kind=kind,
        actor=e.actor_repr,
        subject=str(model._meta.verbose_name),
        text=e.object_repr,
        changes=changes,
    )


def customer_timeline(*, user: Any, customer: Customer, limit: int = 200) -> list[TimelineEntry]:
    """`customer` must come from a scoped selector: this function does not check access."""
    models_by_ct = {
        ContentType.objects.get_for_model(m): m
        for m in (Customer, Organization, Contact, Subscription)
    }
    ct = {m: c for c, m in models_by_ct.items()}
    pk = str(customer.pk)
    # Children are found by id, through the (content type, object id) index. A deleted
    # contact is gone from its table, but its delete entry still names the customer; only
    # those few entries are searched by their JSON.
    deleted = AuditEntry.objects.filter(
        content_type=ct[Contact], action=AuditEntry.Action.DELETE, before__customer=customer.pk
    ).values_list("object_id", flat=True)
    contact_ids = [str(i) for i in customer.contacts.values_list("pk", flat=True)]
    subscription_ids = [str(i) for i in customer.subscriptions.values_list("pk", flat=True)]
    where = (
        Q(content_type=ct[Customer], object_id=pk)
        | Q(content_type=ct[Organization], object_id=pk)
        | Q(content_type=ct[Contact], object_id__in=[*contact_ids, *deleted])
        | Q(content_type=ct[Subscription], object_id__in=subscription_ids)
    )
    entries = [
        _entry(user, customer, e, models_by_ct[e.content_type])
        for e in AuditEntry.objects.filter(where).select_related("content_type")[:limit]
    ]
    notes = [
        TimelineEntry(
            at=n.created_at, kind="note", actor=n.author_name, subject=_("备注"), text=n.text
        )
        for n in customer.notes.all()[:limit]
    ]
    return sorted(entries + notes, key=lambda t: t.at, reverse=True)[:limit]
