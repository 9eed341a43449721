"""A site's 现有用户数 (`Site.customers`) is counted by the crm: no form service or import
types it, the page says where it comes from, and a survey sheet carrying it still imports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.imports.sheets import xlsx
from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.territory import services
from wangge.territory.messages import CUSTOMERS_HELP
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=2)


def test_the_form_service_does_not_take_the_count(t: Territory) -> None:
    estate = t.sites_a[0]
    with pytest.raises(ValueError):
        services.site_update(actor=SYSTEM, site=estate, data={"customers": 99})
    with pytest.raises(ValueError):
        services.site_create(
            actor=SYSTEM, code="N1", kind="estate", name="新", lon=111.705, lat=27.205,
            households=100, customers=99,
        )  # fmt: skip
    assert Site.objects.get(pk=estate.pk).customers == estate.customers
    assert not Site.objects.filter(code="N1").exists()


def test_a_new_site_counts_no_customers_until_the_crm_has_some(t: Territory) -> None:
    site = services.site_create(
        actor=SYSTEM, code="N1", kind="estate", name="新", lon=111.705, lat=27.205, households=10
    )
    assert site.customers == 0


def test_a_survey_sheet_with_the_count_imports_the_rest_and_says_why_the_count_was_not(
    t: Territory,
) -> None:
    estate = t.sites_a[0]
    sheet = xlsx([["编码", "小区名称", "总户数", "现有用户数", "经度", "纬度"],
                  [estate.code, "改名小区", 300, 250, None, None],
                  ["N1", "新小区", 100, 80, 111.705, 27.205]])  # fmt: skip
    admin = t.world.user("market_admin")
    dry = run_import(get_spec("estates"), admin, sheet)
    assert dry.errors == [] and (dry.created, dry.updated) == (1, 1)
    assert dry.unknown_headers == []
    assert dry.notes == [f"“现有用户数”列未导入：{CUSTOMERS_HELP}"]
    report = run_import(get_spec("estates"), admin, sheet, commit=True)
    assert report.committed and report.notes == dry.notes
    moved = Site.objects.get(pk=estate.pk)
    assert (moved.name, moved.households, moved.customers) == ("改名小区", 300, estate.customers)
    assert Site.objects.get(code="N1").customers == 0


def test_a_column_nobody_knows_is_still_called_unknown(t: Territory) -> None:
    sheet = xlsx([["编码", "小区名称", "备注栏"], [t.sites_a[0].code, "甲", "x"]])
    report = run_import(get_spec("estates"), t.world.user("market_admin"), sheet)
    assert (report.unknown_headers, report.notes) == (["备注栏"], [])


def test_the_site_page_shows_the_count_read_only_and_where_it_comes_from(t: Territory) -> None:
    estate = t.sites_a[0]
    html = (
        t.world.client("market_admin")
        .get(reverse("territory:site_detail", args=[estate.pk]))
        .content.decode()
    )
    assert str(CUSTOMERS_HELP) in html
    assert 'name="customers"' not in html
