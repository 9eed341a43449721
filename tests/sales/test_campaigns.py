"""Team sales campaigns (members of the grid, a real period, results) and the win-back list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm import services as crm_services
from wangge.crm.models import Competitor, Customer
from wangge.sales import selectors, services
from wangge.sales.models import Campaign, Opportunity, Stage
from wangge.sales.services.campaigns import campaign_opportunity_create, winback_open

pytestmark = pytest.mark.django_db


def _campaign(crm: CrmWorld, **extra: object) -> Campaign:
    today = clock.today()
    fields: dict[str, object] = {
        "name": "国庆小区路演",
        "kind": Campaign.Kind.ROADSHOW,
        "grid": crm.world.grid_a,
        "site": crm.t.sites_a[0],
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=7),
        "target_count": 4,
        "members": [crm.world.staff["account_a"]],
    }
    fields.update(extra)
    return services.campaign_create(actor=crm.world.user("manager_a"), **fields)  # type: ignore[arg-type]


def test_members_outside_the_grid_are_refused(crm: CrmWorld) -> None:
    with pytest.raises(ValidationError) as err:
        _campaign(crm, members=[crm.world.staff["account_a"], crm.world.staff["sales_b"]])
    assert "销售乙" in err.value.message_dict["members"][0]
    assert not Campaign.objects.exists()


def test_a_period_ending_before_it_starts_is_refused(crm: CrmWorld) -> None:
    today = clock.today()
    with pytest.raises(ValidationError) as err:
        _campaign(crm, ends_on=today - dt.timedelta(days=1))
    assert "ends_on" in err.value.message_dict
    assert not Campaign.objects.exists()


def test_create_page_refuses_a_bad_period_and_an_outsider(crm: CrmWorld) -> None:
    client = crm.world.client("manager_a")
    today = clock.today()
    url = reverse("sales:campaign_create") + f"?grid={crm.world.grid_a.pk}"
    response = client.post(
        url,
        {
            "name": "元旦促销",
            "kind": "holiday",
            "starts_on": today.isoformat(),
            "ends_on": (today - dt.timedelta(days=2)).isoformat(),
            "target_count": 3,
            "members": [crm.world.staff["sales_b"].pk],
        },
    )
    form = response.context["form"]
    assert "ends_on" in form.errors and "members" in form.errors
    assert not Campaign.objects.exists()
    response = client.post(
        url,
        {
            "name": "元旦促销",
            "kind": "holiday",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=2)).isoformat(),
            "target_count": 3,
            "members": [crm.world.staff["account_a"].pk, crm.world.staff["tech_a"].pk],
        },
    )
    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("sales:campaign_detail", args=[campaign.pk])
    assert set(campaign.members.values_list("name", flat=True)) == {"客户经理甲", "装维甲"}


def test_a_campaign_opportunity_is_linked_and_counted(crm: CrmWorld) -> None:
    campaign = _campaign(crm)
    client = crm.world.client("account_a")
    response = client.post(
        reverse("sales:campaign_opportunity", args=[campaign.pk]),
        {"site": crm.t.sites_a[0].pk, "contact_name": "刘女士", "expected_monthly": "68"},
    )
    assert response.status_code == 302
    opp = Opportunity.objects.get()
    assert (opp.campaign_id, opp.source) == (campaign.pk, Opportunity.Source.CAMPAIGN)
    results = selectors.campaign_results(user=crm.world.user("manager_a"), campaign=campaign)
    assert (results.opportunities, results.open, results.won, results.target) == (1, 1, 0, 4)
    assert results.pipeline_value == Decimal("68.00")
    page = crm.world.client("manager_a").get(reverse("sales:campaign_detail", args=[campaign.pk]))
    assert str(opp.code) in page.content.decode()


def test_a_campaign_opportunity_must_be_in_the_campaigns_grid(crm: CrmWorld) -> None:
    campaign = _campaign(crm)
    with pytest.raises(ValidationError):
        campaign_opportunity_create(actor=SYSTEM, campaign=campaign, site=crm.t.sites_b[0])
    assert not Opportunity.objects.exists()


def test_winback_list_and_one_click_opportunity(crm: CrmWorld) -> None:
    rival = Competitor.objects.order_by("pk").first()
    assert rival is not None
    prospect = crm_services.customer_create(
        actor=SYSTEM,
        site=crm.t.sites_a[1],
        name="电信用户王",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.POTENTIAL,
        phone="13800009999",
        current_provider=rival,
    )
    account = crm.world.user("account_a")
    assert list(selectors.winback_list(user=account)) == [prospect]
    client = crm.world.client("account_a")
    page = client.get(reverse("sales:winback_list")).content.decode()
    assert "电信用户王" in page

    response = client.post(reverse("sales:winback_open", args=[prospect.pk]))
    opp = Opportunity.objects.get()
    assert response["Location"] == reverse("sales:opportunity_detail", args=[opp.pk])
    assert (opp.kind, opp.competitor_id, opp.customer_id) == ("winback", rival.pk, prospect.pk)
    assert opp.source == Opportunity.Source.WINBACK_LIST  # not a visit: the list brought it
    assert opp.stage == Stage.NEED
    # Off the list now; a second click opens nothing more.
    assert list(selectors.winback_list(user=account)) == []
    with pytest.raises(ValidationError):
        winback_open(actor=account, customer=prospect)
    client.post(reverse("sales:winback_open", args=[prospect.pk]))
    assert Opportunity.objects.count() == 1


def test_date_fields_keep_their_iso_value_in_chinese(crm: CrmWorld) -> None:
    """A date input only shows (and sends back) yyyy-mm-dd: in Chinese, Django's default
    rendering (2026/11/20) left the boxes empty and every unchanged save failed."""
    campaign = _campaign(crm)
    client = crm.world.client("manager_a")
    html = client.get(reverse("sales:campaign_edit", args=[campaign.pk])).content.decode()
    assert f'value="{campaign.starts_on.isoformat()}"' in html
    assert f'value="{campaign.ends_on.isoformat()}"' in html
    plan = client.get(reverse("sales:day_plan")).content.decode()
    assert f'value="{clock.today().isoformat()}"' in plan
