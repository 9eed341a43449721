"""`wangge potential` reads the estates' survey, subscribers and competitors from the
database and prints the ranking with its factors and the held-out error."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.personas import World
from tests.territory_world import build_territory
from wangge.core.access import SYSTEM
from wangge.crm import services as crm_services
from wangge.crm.models import Competitor
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


def test_the_command_ranks_estates_with_their_factors(world: World) -> None:
    t = build_territory(world, per_grid=8)
    for i, site in enumerate([*t.sites_a, *t.sites_b]):
        Site.objects.filter(pk=site.pk).update(pc_owners=20 + 10 * i, tenant_share=Decimal("0.1"))
    rival = Competitor.objects.order_by("pk").first()
    assert rival is not None
    crm_services.competitor_intel_create(actor=SYSTEM, site=t.sites_a[0], competitor=rival)
    out = io.StringIO()
    call_command("potential", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["model"]["fitted_on"] == 16
    assert data["model"]["held_out"]["estates"] == 16
    rows = data["estates"]
    assert len(rows) == 16
    assert [r["untapped"] for r in rows] == sorted((r["untapped"] for r in rows), reverse=True)
    first = rows[0]
    assert first["potential"] == round(first["penetration"] * first["households"])
    assert {f["factor"] for r in rows for f in r["factors"]} >= {"拥有电脑比例", "竞争对手数"}

    only_a = io.StringIO()
    call_command("potential", "--grid", t.world.grid_a.code, "--json", stdout=only_a)
    assert {r["grid"] for r in json.loads(only_a.getvalue())["estates"]} == {t.world.grid_a.code}
    text = io.StringIO()
    call_command("potential", stdout=text)
    assert "baseline" in text.getvalue()
    with pytest.raises(CommandError):
        call_command("potential", "--grid", "NOPE")
