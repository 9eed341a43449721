"""The information base (管信息): customers, organisations, subscriptions, competitors."""

from wangge.crm.models.base import Verified, resurvey_cutoff, resurvey_days, stale_q
from wangge.crm.models.catalogue import (
    NATIONAL_OPERATORS,
    Competitor,
    Product,
    ProductKind,
    TariffPlan,
)
from wangge.crm.models.counts import SiteCustomerCount
from wangge.crm.models.customers import Contact, Customer, Note, Organization, customer_code
from wangge.crm.models.intel import CompetitorIntel, CompetitorOffer, Quality, Relationship
from wangge.crm.models.subscriptions import Subscription

__all__ = [
    "NATIONAL_OPERATORS",
    "Competitor",
    "CompetitorIntel",
    "CompetitorOffer",
    "Contact",
    "Customer",
    "Note",
    "Organization",
    "Product",
    "ProductKind",
    "Quality",
    "Relationship",
    "SiteCustomerCount",
    "Subscription",
    "TariffPlan",
    "Verified",
    "customer_code",
    "resurvey_cutoff",
    "resurvey_days",
    "stale_q",
]
