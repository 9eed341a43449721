"""How a customer is named and reached, decided once for the pages, the API and exports.

A group customer (集团客户) is known by its organisation's 集团单位名称 and reached through
the survey's 联系人 phone (`Organization.contact_phone`); the customer row's own `phone`
is only a fallback for one whose survey has no number. A household is its own row. The
list page used the contact's number and the API the customer row's, so the same group
customer showed two different phones: both now ask these functions.
"""

from __future__ import annotations

from typing import Any

from wangge.crm.models import Customer
from wangge.crm.selectors import phone_shown


def _organization(customer: Customer) -> Any:
    if customer.kind != Customer.Kind.GROUP:
        return None
    return getattr(customer, "organization", None)  # lists select it; none if never surveyed


def customer_name(customer: Customer) -> str:
    org = _organization(customer)
    return str(org.name) if org is not None and org.name else customer.name


def customer_phone(customer: Customer) -> str:
    """The number to call, unmasked: for trusted code (exports mask it themselves)."""
    org = _organization(customer)
    if org is not None and org.contact_phone:
        return str(org.contact_phone)
    return customer.phone


def customer_phone_shown(*, user: Any, customer: Customer) -> str:
    """`customer_phone` as this user may see it (`selectors.phone_shown`)."""
    return phone_shown(user=user, phone=customer_phone(customer), customer=customer)
