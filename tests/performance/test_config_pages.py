"""Assessment settings pages: indicators and their weights, award rules, virtual teams'
weights and targets; saves through the services, stale edits refused, bad input explained
with nothing written, each list exported."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.crm.world import CrmWorld
from tests.performance.factories_targets import crm_fixture
from wangge.core.models import AuditEntry, ExportLog
from wangge.performance.models import AwardRule, Indicator, Target, TeamWeights

__all__ = ["crm_fixture"]
YEAR = 2026


def _indicator_data(ind: Indicator, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": ind.name,
        "business_line": ind.business_line,
        "score_weight": str(ind.score_weight),
        "sort": ind.sort,
        "version": ind.version,
    }
    if ind.is_sales:
        data["is_sales"] = "on"
    if ind.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_market_department_reweighs_an_indicator_and_a_stale_edit_is_refused(
    crm: CrmWorld,
) -> None:
    admin = crm.world.client("market_admin")
    hd = Indicator.objects.get(code="hd")
    url = f"/performance/settings/indicators/{hd.pk}/edit/"
    opened = _indicator_data(hd)
    assert admin.post(url, _indicator_data(hd, score_weight="0.25")).status_code == 302
    hd.refresh_from_db()
    assert hd.score_weight == Decimal("0.25") and hd.version == 2
    stale = admin.post(url, {**opened, "score_weight": "0.9"})
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    hd.refresh_from_db()
    assert hd.score_weight == Decimal("0.25")
    assert (
        AuditEntry.objects.filter(
            object_id=str(hd.pk), content_type__model="indicator", action="update"
        ).count()
        == 1
    )


def test_marking_another_sales_indicator_takes_the_mark_off_the_first(crm: CrmWorld) -> None:
    admin = crm.world.client("market_admin")
    before = Indicator.objects.get(is_sales=True)
    hd = Indicator.objects.get(code="hd")
    page = admin.post(
        f"/performance/settings/indicators/{hd.pk}/edit/", _indicator_data(hd, is_sales="on")
    )
    assert page.status_code == 302
    assert list(Indicator.objects.filter(is_sales=True)) == [hd]
    assert before.pk != hd.pk


def test_a_renewals_indicator_with_a_business_line_is_refused_and_nothing_written(
    crm: CrmWorld,
) -> None:
    admin = crm.world.client("market_admin")
    data = {
        "code": "renew2",
        "name": "续费二",
        "unit": "count",
        "source": "renewals",
        "business_line": "broadband",
        "score_weight": "0",
        "sort": "9",
        "is_active": "on",
    }
    page = admin.post("/performance/settings/indicators/new/", data)
    assert page.status_code == 400 and "不分业务线" in page.content.decode()
    assert not Indicator.objects.filter(code="renew2").exists()
    data["business_line"] = ""
    assert admin.post("/performance/settings/indicators/new/", data).status_code == 302
    assert Indicator.objects.get(code="renew2").version == 1


def _pioneer_post(rule: AwardRule, **rows: tuple[str, str, bool]) -> dict[str, object]:
    data: dict[str, object] = {
        "cadence": rule.cadence,
        "amount": str(rule.amount),
        "is_active": "on",
        "version": rule.version,
    }
    for code, (weight, full_at, lower) in rows.items():
        data |= {f"w_{code}": weight, f"f_{code}": full_at}
        if lower:
            data[f"l_{code}"] = "on"
    return data


def test_the_pioneer_scorecard_is_edited_row_by_row_and_a_weight_needs_its_full_marks(
    crm: CrmWorld,
) -> None:
    admin = crm.world.client("market_admin")
    rule = AwardRule.objects.get(kind="pioneer_star")
    url = f"/performance/settings/awards/{rule.pk}/edit/"
    form = admin.get(url)
    assert form.status_code == 200 and len(form.context["form"].criteria_fields) == 5
    refused = admin.post(url, _pioneer_post(rule, completion=("60", "", False)))
    assert refused.status_code == 400 and "满分标准" in refused.content.decode()
    rule.refresh_from_db()
    assert len(rule.criteria) == 5 and rule.version == 1
    saved = admin.post(
        url, _pioneer_post(rule, completion=("60", "120", False), complaints=("40", "4", True))
    )
    assert saved.status_code == 302
    rule.refresh_from_db()
    assert rule.criteria == [
        {"code": "completion", "weight": "60", "full_at": "120", "lower_is_better": False},
        {"code": "complaints", "weight": "40", "full_at": "4", "lower_is_better": True},
    ]
    page = admin.get("/performance/settings/awards/").content.decode()
    assert "投诉单数：40 分，满分标准 4" in page


def test_the_growth_star_threshold_is_saved_and_shown_to_staff(crm: CrmWorld) -> None:
    rule = AwardRule.objects.get(kind="growth_star")
    data = {"cadence": "quarterly", "threshold_percent": "110", "amount": "800",
            "is_active": "on", "version": rule.version}  # fmt: skip
    admin = crm.world.client("market_admin")
    assert admin.post(f"/performance/settings/awards/{rule.pk}/edit/", data).status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold_percent, rule.cadence, rule.amount) == (110, "quarterly", 800)
    assert "销售完成率达到 110%（含）即获奖" in crm.world.client("tech_a").get(
        "/performance/settings/awards/"
    ).content.decode("utf-8")


def test_team_weights_must_add_up_to_one_and_the_first_save_creates_them(
    crm: CrmWorld,
) -> None:
    admin = crm.world.client("market_admin")
    team = crm.world.virtual
    url = f"/performance/settings/teams/{team.pk}/weights/"
    assert admin.get(url).context["form"].initial["version"] == 0
    bad = admin.post(url, {"department_weight": "0.7", "team_weight": "0.4", "version": "0"})
    assert bad.status_code == 400 and "之和须为 1" in bad.content.decode()
    assert not TeamWeights.objects.exists()
    ok = {"department_weight": "0.7", "team_weight": "0.3", "version": "0"}
    assert admin.post(url, ok).status_code == 302
    w = TeamWeights.objects.get(team=team)
    assert (w.department_weight, w.team_weight) == (Decimal("0.7"), Decimal("0.3"))
    again = admin.post(url, ok)  # opened on the defaults, but someone has saved since
    assert again.status_code == 400 and "已被他人修改" in again.content.decode()
    assert admin.post(url, {**ok, "team_weight": "0.3", "version": "1"}).status_code == 302


def test_a_virtual_teams_targets_are_proposed_saved_and_refused_when_members_do_not_add_up(
    crm: CrmWorld,
) -> None:
    admin = crm.world.client("market_admin")
    team = crm.world.virtual
    url = f"/performance/settings/teams/{team.pk}/targets/?indicator=broadband_new&year={YEAR}"
    proposal = admin.get(url + "&basis=equal&total=24")
    assert proposal.status_code == 200
    rows = proposal.context["rows"]
    assert [total for _p, _ms, total in rows] == [12, 12]
    data: dict[str, object] = {"year": YEAR, "indicator": "broadband_new", "total": "24"}
    for p, months, _t in rows:
        data |= {f"m_{p.pk}_{m}": str(v) for m, v in enumerate(months, start=1)}
    first = rows[0][0]
    off = admin.post(url, {**data, f"m_{first.pk}_1": "5"})
    assert off.status_code == 400 and "应为 24" in off.content.decode()
    assert not Target.objects.filter(team=team).exists()
    assert admin.post(url, data).status_code == 302
    assert Target.objects.get(team=team, level="team").value == 24
    assert Target.objects.filter(team=team, level="person", month=0).count() == 2
    sheet = admin.get(
        f"/performance/settings/teams/targets.xlsx?year={YEAR}&indicator=broadband_new"
    )
    ws = load_workbook(io.BytesIO(sheet.content)).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0][:4] == [team.name, "", "团队目标", 24]
    assert sorted(v[3] for v in values[1:]) == [12, 12]


def test_each_settings_list_exports_to_excel_and_the_export_is_logged(crm: CrmWorld) -> None:
    admin = crm.world.client("market_admin")
    for url, first_row in (
        ("/performance/settings/indicators/export.xlsx", "broadband_new"),
        ("/performance/settings/awards/export.xlsx", "成长之星"),
        ("/performance/settings/teams/export.xlsx", crm.world.virtual.name),
    ):
        response = admin.get(url)
        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(response.content)).active
        assert ws is not None and ws.cell(row=2, column=1).value == first_row
    assert ExportLog.objects.count() == 3
