"""Excel import/export of the information base: households, organisations, subscriptions
and competitor offers. Each module registers its specs with `wangge.core.imports`;
`CoreConfig.ready` imports this package, which imports them."""

from wangge.crm.imports import customers, offers, subscriptions

__all__ = ["customers", "offers", "subscriptions"]
