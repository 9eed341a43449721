"""Targets pages, the import of named targets and the API: who sees what, refusals that say
where the sums are off, nothing half-written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from tests.crm.world import CrmWorld
from tests.imports.sheets import xlsx
from tests.performance.factories_targets import crm_fixture, person_target, sale
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.performance.models import Award, AwardKind, Target

__all__ = ["crm_fixture"]
YEAR = 2026
HEAD = ["指标", "年度", "工号", "全年", *[f"{m}月" for m in range(1, 13)]]


def _company_post(crm: CrmWorld, a: str, b: str, total: str = "100") -> int:
    w = crm.world
    return (
        w.client("market_admin")
        .post(
            f"/performance/targets/company/?indicator=broadband_new&year={YEAR}",
            {
                "year": YEAR,
                "indicator": "broadband_new",
                "total": total,
                f"g_{w.grid_a.pk}": a,
                f"g_{w.grid_b.pk}": b,
            },
        )
        .status_code
    )


def test_the_company_page_refuses_grids_that_do_not_add_up_and_says_by_how_much(
    crm: CrmWorld,
) -> None:
    w = crm.world
    page = w.client("market_admin").post(
        "/performance/targets/company/",
        {"year": YEAR, "indicator": "broadband_new", "total": "100",
         f"g_{w.grid_a.pk}": "70", f"g_{w.grid_b.pk}": "40"},
    )  # fmt: skip
    assert page.status_code == 400
    assert "各网格目标合计为 110，应为 100，多 10。" in page.content.decode()
    assert not Target.objects.exists()
    assert _company_post(crm, "60", "40") == 302
    assert Target.objects.filter(level="grid").count() == 2


def test_the_manager_proposes_then_saves_their_grid_and_the_page_shows_it_balanced(
    crm: CrmWorld,
) -> None:
    w = crm.world
    assert _company_post(crm, "60", "40") == 302
    manager = w.client("manager_a")
    url = f"/performance/targets/grid/{w.grid_a.pk}/?indicator=broadband_new&year={YEAR}"
    proposal = manager.get(url + "&basis=equal")
    assert proposal.status_code == 200
    rows = proposal.context["rows"]
    assert sum(total for _p, _ms, total in rows) == 60
    data = {"year": YEAR, "indicator": "broadband_new"}
    for p, months, _total in rows:
        data |= {f"m_{p.pk}_{m}": str(v) for m, v in enumerate(months, start=1)}
    assert manager.post(url, data).status_code == 302
    page = manager.get(f"/performance/targets/?indicator=broadband_new&year={YEAR}")
    assert "已平衡" in page.content.decode()
    first = rows[0][0]
    data[f"m_{first.pk}_1"] = "abc"
    refused = manager.post(url, data)
    assert refused.status_code == 400 and "不是数字" in refused.content.decode()


def test_a_sheet_whose_months_do_not_add_up_is_refused_row_by_row_and_writes_nothing(
    crm: CrmWorld,
) -> None:
    w = crm.world
    good = ["broadband_new", YEAR, "ACCOUNT_A", 24, *[2] * 12]
    bad = ["新增宽带用户", YEAR, "AGENT_A", 25, *[2] * 12]
    unknown = ["broadband_new", YEAR, "NOBODY", 12, *[1] * 12]
    other_grid = ["broadband_new", YEAR, "SALES_B", 12, *[1] * 12]
    data = xlsx([HEAD, good, bad, unknown, other_grid])
    report = run_import(get_spec("targets"), w.user("manager_a"), data, commit=True, strict=True)
    messages = {(e.row, e.message) for e in report.errors}
    assert (3, "各月合计 24，与全年 25 相差 -1") in messages
    assert {e.row for e in report.errors} == {3, 4, 5}
    assert not report.committed and not Target.objects.exists()
    dry = run_import(get_spec("targets"), SYSTEM, xlsx([HEAD, good]))
    assert dry.created == 1 and not Target.objects.exists()
    done = run_import(get_spec("targets"), SYSTEM, xlsx([HEAD, good]), commit=True)
    assert done.committed
    assert Target.objects.filter(staff=w.staff["account_a"]).count() == 13
    again = run_import(get_spec("targets"), SYSTEM, xlsx([HEAD, good]), commit=True)
    assert again.unchanged == 1


def test_my_targets_and_the_completion_api_show_each_person_their_own(crm: CrmWorld) -> None:
    w = crm.world
    person_target(w.staff["account_a"], YEAR, [4] * 12, grid=w.grid_a)
    person_target(w.staff["sales_b"], YEAR, [4] * 12, grid=w.grid_b)
    for day in (1, 2, 3):
        sale(crm, w.staff["account_a"], dt.date(YEAR, 3, day))
    page = w.client("account_a").get("/performance/targets/mine/?period=2026-03")
    assert page.status_code == 200 and "75.00%" in page.content.decode()

    def seen(persona: str) -> set[str]:
        body = w.client(persona).get("/api/performance/completion?period=2026-03").json()
        return {i["name"] for i in body["items"]}

    assert seen("account_a") == {"客户经理甲（ACCOUNT_A）"}
    assert seen("manager_a") == {
        "经理甲（MANAGER_A）",
        "客户经理甲（ACCOUNT_A）",
        "代理甲（AGENT_A）",
    }
    assert "销售乙（SALES_B）" in seen("market_admin")
    mine = w.client("account_a").get("/api/performance/completion?period=2026-03").json()
    fig = next(f for f in mine["items"][0]["figures"] if f["indicator"] == "broadband_new")
    assert (fig["target"], fig["actual"], fig["completion"]) == ("4.00", "3", "75.00")
    bad = w.client("account_a").get("/api/performance/completion?period=2026-13")
    assert bad.status_code in (400, 422)
    targets = w.api("sales_b").get("/api/performance/targets?year=2026&limit=50").json()
    assert {t["staff"] for t in targets["items"]} == {"SALES_B"}


def test_rankings_awards_and_the_certificate_render(crm: CrmWorld) -> None:
    w = crm.world
    person_target(w.staff["account_a"], YEAR, [1] * 12, grid=w.grid_a)
    person_target(w.staff["sales_b"], YEAR, [1] * 12, grid=w.grid_b)
    sale(crm, w.staff["account_a"], dt.date(YEAR, 3, 2))
    award = Award.objects.create(
        kind=AwardKind.GROWTH_STAR, period="2026-03", staff=w.staff["account_a"],
        status=Award.Status.AWARDED, figure=Decimal("125.00"), amount=Decimal("500.00"),
    )  # fmt: skip
    with time_machine.travel(dt.datetime(YEAR, 3, 20, 10, tzinfo=dt.UTC)):
        ranks = w.client("sales_b").get("/performance/rankings/")
        assert ranks.status_code == 200
        persons = [r.name for _rank, r in ranks.context["ranked"]["person"]]
        assert persons == ["销售乙（SALES_B）"]  # a marketer's board: their own grid's people
        admin = w.client("market_admin").get("/performance/rankings/")
        board = [(rank, r.obj.employee_no) for rank, r in admin.context["ranked"]["person"]]
        # 100% before 0%; no target: unranked
        assert board == [(1, "ACCOUNT_A"), (2, "SALES_B")]
        awards = w.client("market_admin").get("/performance/awards/")
        assert awards.status_code == 200
        growth = [(c.obj.employee_no, c.figure, c.eligible) for c in awards.context["growth"]]
        assert growth == [("ACCOUNT_A", Decimal("100.00"), False), ("SALES_B", 0, False)]
        cert = w.client("tech_a").get(f"/performance/awards/{award.pk}/certificate/")
        assert cert.status_code == 200 and "荣誉证书" in cert.content.decode()
        assert (
            w.client("agent_a").get(f"/performance/awards/{award.pk}/certificate/").status_code
            == 404
        )
        granted = w.client("market_admin").post("/performance/awards/grant/", {"period": "2026-03"})
        assert granted.status_code == 302
        assert Award.objects.filter(kind=AwardKind.GROWTH_STAR).count() == 1  # nobody new
