"""Real-world sheets: titles above the header, merged cells, blank rows, Excel row numbers."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from tests.imports.sheets import xlsx
from wangge.core.imports.reader import SheetError, open_sheet
from wangge.core.imports.spec import Column

COLUMNS = [
    Column("code", "编码", required=True),
    Column("name", "小区名称", required=True, aliases=("小区",)),
    Column("households", "总户数", "int"),
    Column("occupancy_rate", "入住率", "percent"),
]


def _rows(data: bytes) -> list[tuple[int, tuple[object, ...]]]:
    return list(open_sheet(data, COLUMNS).rows())


def test_title_rows_above_the_header_are_skipped_and_row_numbers_are_excels() -> None:
    data = xlsx(
        [["编码", "小区名称", "总户数"], ["X1", "东湖", 10], [], ["X2", "西湖", 20]],
        before=[["2024 年两市塘街道小区摸底表"], ["填表人：张三", None, "日期：2024-05-01"]],
        merges=["A1:C1"],
    )
    sheet = open_sheet(data, COLUMNS)
    assert sheet.header_row == 3
    assert sheet.positions == {"code": 0, "name": 1, "households": 2}
    assert [(n, c[0]) for n, c in sheet.rows()] == [(4, "X1"), (6, "X2")]


def test_merged_cells_give_every_row_their_value() -> None:
    data = xlsx(
        [
            ["小区名称", "编码", "总户数"],
            ["东湖花园", "X1", 10],
            [None, "X2", 20],
            [None, "X3", 30],
        ],
        merges=["A2:A4"],
    )
    assert [c[0] for _n, c in _rows(data)] == ["东湖花园"] * 3


def test_a_two_row_header_with_a_merged_group_is_found_on_its_lower_row() -> None:
    data = xlsx(
        [
            ["编码", "小区名称", "入住情况", None],
            [None, None, "总户数", "入住率"],
            ["X1", "东湖", 100, "85%"],
        ],
        merges=["A1:A2", "B1:B2", "C1:D1"],
    )
    sheet = open_sheet(data, COLUMNS)
    assert sheet.header_row == 2
    assert sheet.positions == {"code": 0, "name": 1, "households": 2, "occupancy_rate": 3}


def test_headers_match_loosely_and_unknown_ones_are_listed() -> None:
    data = xlsx([[" 编 码*", "小区", "入住率（%）", "备注"], ["X1", "东湖", "85%", "x"]])
    sheet = open_sheet(data, COLUMNS)
    assert sheet.positions == {"code": 0, "name": 1, "occupancy_rate": 2}
    assert sheet.unknown == ["备注"]


def test_the_first_sheet_with_a_header_is_read() -> None:
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["请按下表填写"])
    data_ws = wb.create_sheet("数据")
    data_ws.append(["编码", "小区名称"])
    data_ws.append(["X1", "东湖"])
    import io

    out = io.BytesIO()
    wb.save(out)
    sheet = open_sheet(out.getvalue(), COLUMNS)
    assert sheet.name == "数据"
    assert [c for _n, c in sheet.rows()] == [("X1", "东湖")]


def test_a_sheet_without_any_known_header_is_refused_with_the_expected_headers() -> None:
    with pytest.raises(SheetError) as exc:
        open_sheet(xlsx([["a", "b"], [1, 2]]), COLUMNS)
    assert "编码" in str(exc.value)


def test_a_file_that_is_not_xlsx_is_refused() -> None:
    with pytest.raises(SheetError):
        open_sheet(b"name,phone\n", COLUMNS)


def test_a_column_given_twice_is_refused() -> None:
    with pytest.raises(SheetError, match="两次"):
        open_sheet(xlsx([["编码", "小区名称", "小区"], ["X1", "a", "b"]]), COLUMNS)


def test_trailing_formatted_but_empty_rows_are_ignored() -> None:
    data = xlsx([["编码", "小区名称"], ["X1", "东湖"], [None, "  "], [None, None]])
    assert len(_rows(data)) == 1


def test_a_header_a_form_repeats_is_read_as_its_second_column() -> None:
    """The seed's organisation survey lists 联系电话 twice: the second is the key person's."""
    columns = [
        Column("name", "集团单位名称"),
        Column("contact_phone", "联系电话", "phone"),
        Column("key_person_name", "业务核心人物姓名"),
        Column("key_person_phone", "业务核心人物联系电话", "phone", second_of="contact_phone"),
    ]
    data = xlsx(
        [
            ["集团单位名称", "联系电话", "业务核心人物姓名", "联系电话"],
            ["一中", "13800138000", "李校长", "13900139000"],
        ]
    )
    sheet = open_sheet(data, columns)
    assert sheet.positions == {
        "name": 0,
        "contact_phone": 1,
        "key_person_name": 2,
        "key_person_phone": 3,
    }
    named = xlsx([["集团单位名称", "联系电话", "业务核心人物联系电话"], ["一中", "1", "2"]])
    assert open_sheet(named, columns).positions["key_person_phone"] == 2
    with pytest.raises(SheetError, match="出现了两次"):  # a third occurrence has nowhere to go
        open_sheet(xlsx([["集团单位名称", "联系电话", "联系电话", "联系电话"]]), columns)
    with pytest.raises(SheetError, match="出现了两次"):  # the second column is already named
        open_sheet(
            xlsx([["集团单位名称", "业务核心人物联系电话", "联系电话", "联系电话"]]), columns
        )
