"""Matrix rows of the sales promotion routes (merged by tests/sales/matrix.py): promotion
material, its public lead form, campaigns and the win-back list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.sales import services
from wangge.sales.models import Campaign, PromoInspection, PromoPiece

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
TEAM_A = frozenset({"market_admin", "manager_a", "account_a", "tech_a"})
#: Who puts material up (every grid's staff, not agents).
PROMOTERS = ALL - {"agent_a"}
#: Who organises campaigns: the market department and grid A's manager.
ORGANISERS = frozenset({"market_admin", "manager_a"})
#: Who sells (the win-back list): everyone but the technician.
SELLERS = ALL - {"tech_a"}
#: A tiny valid PNG's first bytes are all the service looks at.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ALL, status)


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "sales:promo_list": (None, ok(PROMOTERS)),
    "sales:promo_create": (None, ok(PROMOTERS)),
    "sales:promo_detail": ("piece", ok(TEAM_A)),
    "sales:promo_inspect": ("piece", ok(TEAM_A)),
    "sales:promo_photo": ("piece", ok(TEAM_A)),
    "sales:promo_qr": ("piece", ok(TEAM_A)),
    "sales:promo_inspection_photo": ("inspection", ok(TEAM_A)),
    "sales:lead_form": ("piece_token", every(200)),  # public: the token is the key
    "sales:lead_thanks": ("piece_token", every(200)),
    "sales:campaign_list": (None, ok(ALL)),
    "sales:campaign_create": (None, ok(ORGANISERS)),
    "sales:campaign_detail": ("campaign", ok(TEAM_A)),
    "sales:campaign_edit": ("campaign", ok(ORGANISERS)),
    "sales:campaign_opportunity": ("campaign", ok(TEAM_A)),
    "sales:winback_list": (None, ok(SELLERS)),
    "sales:winback_open": ("customer", every(405)),  # POST only
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {}
WRITES: dict[str, str] = {}
#: Pages anyone may open without logging in.
PUBLIC = frozenset({"sales:lead_form", "sales:lead_thanks"})


def objects(crm: CrmWorld) -> dict[str, Any]:
    world = crm.world
    site = crm.t.sites_a[0]
    piece = services.piece_create(
        actor=world.user("account_a"), site=site, kind=PromoPiece.Kind.POSTER, photo=PNG
    )
    inspection = services.piece_inspect(
        actor=world.user("tech_a"),
        piece=piece,
        finding=PromoInspection.Finding.DAMAGED,
        photo=PNG,
    )
    today = clock.today()
    campaign = services.campaign_create(
        actor=world.user("manager_a"),
        name="五一小区路演",
        kind=Campaign.Kind.ROADSHOW,
        grid=world.grid_a,
        site=site,
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        target_count=10,
        members=[world.staff["account_a"]],
    )
    return {
        "piece": piece.pk,
        "piece_token": piece.token,
        "inspection": inspection.pk,
        "campaign": campaign.pk,
    }
