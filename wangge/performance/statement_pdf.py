"""A person's monthly statement as a PDF for signing (佣金结算单 / 提成单).

Chinese is set in reportlab's built-in Adobe CID font STSong-Light (the Adobe-GB1
collection every PDF reader carries): nothing to install, no font file to ship or embed,
and the text stays text (searchable, and a test reads the name and total back). A PDF
holds values only, like the Excel exports.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from wangge.performance.models import BusinessLine, Statement, StatementLine

FONT = "STSong-Light"
#: Rows per table: platypus lays a long table out row by row on every page split, so a
#: statement of thousands of lines goes as many short tables (the header repeats on each).
ROWS = 200
WIDTHS = (34 * mm, 18 * mm, 26 * mm, 20 * mm, 18 * mm, 26 * mm, 16 * mm)


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _percent(rate: Decimal | None) -> str:
    return "" if rate is None else f"{(rate * 100).normalize():f}%"


def _lines(statement: Statement) -> Iterator[list[str]]:
    lines_of = {str(k): str(v) for k, v in BusinessLine.choices}
    payees = {str(k): str(v) for k, v in StatementLine.Payee.choices}
    kinds = {str(k): str(v) for k, v in StatementLine.Kind.choices}
    rows = (
        StatementLine.objects.filter(statement=statement)
        .order_by("id")
        .values_list(
            "kind", "sale_ref", "business_line", "base", "payee", "rate", "amount", "capped",
            "adjustment__reason",
        )
    )  # fmt: skip
    for kind, ref, line, base, payee, rate, amount, capped, reason in rows.iterator(2000):
        what = ref or kinds.get(kind, kind)
        if kind == StatementLine.Kind.CLAWBACK:
            what = f"{what}（{kinds[kind]}）"
        if reason:
            what = f"{what}：{reason}"
        yield [
            what,
            lines_of.get(line, line),
            _money(base),
            payees.get(payee, payee),
            _percent(rate),
            _money(amount),
            _("是") if capped else "",
        ]


def _tables(head: list[str], rows: Iterable[list[str]], total: list[str]) -> Iterator[Table]:
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("ALIGN", (2, 0), (2, -1), "RIGHT"),
            ("ALIGN", (4, 0), (5, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    it = iter(rows)
    chunk = list(islice(it, ROWS))
    while True:
        following = list(islice(it, ROWS))
        body = [head, *chunk] + ([] if following else [total])
        table = Table(body, colWidths=WIDTHS, repeatRows=1)
        table.setStyle(style)
        if not following:
            table.setStyle(TableStyle([("FONT", (0, -1), (-1, -1), FONT, 9)]))
        yield table
        if not following:
            return
        chunk = following


class _Signatures(Flowable):
    """The signing lines: the person, the grid manager, the market department, the date."""

    def __init__(self, labels: list[str]) -> None:
        super().__init__()
        self.labels = labels
        self.width, self.height = 170 * mm, 14 * mm

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFont(FONT, 10)
        step = self.width / len(self.labels)
        for i, label in enumerate(self.labels):
            x = i * step
            canvas.drawString(x, 4 * mm, label)
            canvas.line(x + 20 * mm, 3 * mm, x + step - 4 * mm, 3 * mm)


def statement_pdf(statement: Statement) -> bytes:
    """The statement with its lines and total, and lines to sign, as PDF bytes."""
    _font()
    settlement, staff = statement.settlement, statement.staff
    title = _("%(period)s 佣金结算单（提成单）") % {"period": settlement.period}
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="wangge",
        invariant=1,  # the same statement gives the same bytes (no creation stamp)
    )
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=15, leading=20, spaceAfter=4)
    info = ParagraphStyle("info", fontName=FONT, fontSize=10, leading=15)
    grid = statement.grid
    facts = [
        (_("姓名"), staff.name),
        (_("工号"), staff.employee_no),
        (_("网格"), grid.name if grid else ""),
        (_("状态"), str(settlement.get_status_display())),
        (_("明细数"), str(statement.lines_count)),
        (_("合计（元）"), _money(statement.total)),
    ]
    story: list[Any] = [
        Paragraph(title, heading),
        Paragraph("　".join(f"{k}：{v}" for k, v in facts), info),
        Spacer(1, 4 * mm),
    ]
    head = [
        _("销售流水号"),
        _("业务线"),
        _("销售金额（元）"),
        _("计提身份"),
        _("比例"),
        _("佣金（元）"),
        _("已封顶"),
    ]
    total = [_("合计"), "", "", "", "", _money(statement.total), ""]
    story.extend(_tables(head, _lines(statement), total))
    story.append(Spacer(1, 12 * mm))
    story.append(_Signatures([_("本人签字"), _("网格经理"), _("市场部"), _("日期")]))

    def page_number(canvas: Canvas, document: Any) -> None:
        canvas.setFont(FONT, 8)
        canvas.drawRightString(A4[0] - 18 * mm, 8 * mm, _("第 %(n)s 页") % {"n": document.page})

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()
