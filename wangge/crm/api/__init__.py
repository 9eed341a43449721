"""Information-base endpoints: customers, organisations, contacts, notes, subscriptions,
products, competitor intelligence and offers, and a site's market.

Scoped like the pages, phones masked like the pages (`shaping`); money is exact, as a
decimal string of yuan with two places, both ways. Every write goes through
`wangge.crm.services` (validate, write, audit) after the same checks the pages make: a
record the user may not see or may not change answers 404, like a missing one. Bodies the
schema refuses answer 422; values the domain refuses (an unknown site, an expiry before the
start, a taken account number) 400, naming the body's field.
"""

from wangge.core.api import ApiRouter
from wangge.crm.api import catalogue, contacts, customers, intel, subscriptions

router = ApiRouter(tags=["crm"])
for _module in (customers, contacts, subscriptions, catalogue, intel):
    router.add_router("", _module.router)
