"""The statement as PDF (佣金结算单 / 提成单): the person's name, the lines and the total
come back out of the PDF as text (Chinese included), from the page and the API alike."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.crm.world import CrmWorld, build_crm
from tests.performance import factories_settle as f
from tests.personas import World
from wangge.core.access import SYSTEM
from wangge.performance import services_settle as svc
from wangge.performance.models import Statement


@pytest.fixture
def crm(world: World) -> CrmWorld:
    c = build_crm(world)
    f.standard_month(c)
    svc.settle_now(actor=SYSTEM, period=f.PERIOD)
    return c


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_statement_pdf_carries_the_name_lines_and_total(crm: CrmWorld) -> None:
    staff = crm.world.staff["account_a"]
    st = Statement.objects.get(staff=staff, settlement__period=f.PERIOD)
    response = crm.world.client("account_a").get(reverse("performance:statement_pdf", args=[st.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert staff.name in text and staff.employee_no in text
    assert "佣金结算单" in text and "BB-1" in text and "宽带" in text
    assert f"{st.total:,.2f}" == "54.40" and text.count("54.40") >= 2  # the line and the total
    api = crm.world.api("account_a").get(f"/api/performance/statements/{st.pk}.pdf")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert api.content == response.content  # one renderer, reproducible bytes
    assert (
        crm.world.api("sales_b").get(f"/api/performance/statements/{st.pk}.pdf").status_code == 404
    )


def test_a_long_statement_goes_over_pages_with_the_total_at_the_end(crm: CrmWorld) -> None:
    for i in range(250):  # two of the renderer's tables
        f.sale(crm, f"LONG-{i:03d}", "100.00")
    svc.settle_now(actor=SYSTEM, period=f.PERIOD)
    st = Statement.objects.get(staff=crm.world.staff["account_a"], settlement__period=f.PERIOD)
    pages = PdfReader(
        io.BytesIO(crm.world.client("manager_a").get(
            reverse("performance:statement_pdf", args=[st.pk])
        ).content)
    ).pages  # fmt: skip
    assert len(pages) > 3
    text = "\n".join(page.extract_text() for page in pages)
    assert all("销售流水号" in page.extract_text() for page in pages)  # the header repeats
    last, total, sign = (
        text.index("LONG-249"),
        text.rindex(f"{st.total:,.2f}"),
        text.index("本人签字"),
    )
    assert last < total < sign
