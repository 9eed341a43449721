"""What an upload may be: a file that is not an .xlsx, an Excel bomb, a sheet past the cell
limits, is refused with one clear message before it is parsed; a sheet is run in the
background on the rows it really holds; the result page lists errors a page at a time."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.imports.sheets import xlsx
from tests.personas import World
from wangge.core.imports import get_spec, jobs
from wangge.core.imports.pipeline import run_import
from wangge.core.imports.reader import estimate_rows
from wangge.core.models import ImportJob

pytestmark = pytest.mark.django_db

GRIDS = ["网格编码", "网格名称", "区域"]
UNREADABLE = "文件无法读取，请上传 Excel（.xlsx）文件"


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with `name` replaced (or added), deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _bomb(megabytes: int = 3) -> bytes:
    """A small .xlsx whose shared strings unpack to `megabytes` MB."""
    text = b"a" * (megabytes * 1024 * 1024)
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    strings += text + b"</t></si></sst>"
    return _with_member(xlsx([GRIDS, ["X1", "好", "两市塘街道"]]), "xl/sharedStrings.xml", strings)


def _understated(data: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size declared as `size` (as a bomb may lie)."""
    raw = bytearray(data)
    encoded = name.encode()
    for sig, field in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for m in re.finditer(re.escape(sig), bytes(raw)):
            start = m.start()
            name_at = start + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(raw[name_at : name_at + len(encoded)]) == encoded:
                struct.pack_into("<I", raw, start + field, size)
    return bytes(raw)


def _messages(world: World, data: bytes) -> list[str]:
    report = run_import(get_spec("grids"), world.user("market_admin"), data)
    assert report.file_error and report.rows == 0
    return [e.message for e in report.errors]


def test_an_excel_bomb_is_refused_before_it_is_parsed(world: World, settings: Any) -> None:
    settings.WANGGE_IMPORT_MAX_UNPACKED_MB = 1
    bomb = _bomb()
    assert len(bomb) < 50_000
    (message,) = _messages(world, bomb)
    assert "解压后超过 1 MB" in message


def test_a_bomb_that_understates_its_size_is_refused_all_the_same(
    world: World, settings: Any
) -> None:
    settings.WANGGE_IMPORT_MAX_UNPACKED_MB = 1
    liar = _understated(_bomb(), "xl/sharedStrings.xml", 100)
    assert zipfile.ZipFile(io.BytesIO(liar)).getinfo("xl/sharedStrings.xml").file_size == 100
    (message,) = _messages(world, liar)
    assert "解压后超过 1 MB" in message


def test_a_sheet_past_the_cell_limit_is_refused(world: World, settings: Any) -> None:
    settings.WANGGE_IMPORT_MAX_CELLS = 50
    rows = [[f"X{i}", f"网格{i}", "两市塘街道"] for i in range(30)]
    (message,) = _messages(world, xlsx([GRIDS, *rows]))
    assert "超过 50 个单元格" in message


def test_a_cell_past_the_length_limit_is_refused(world: World, settings: Any) -> None:
    settings.WANGGE_IMPORT_MAX_CELL_CHARS = 100
    (message,) = _messages(world, xlsx([GRIDS, ["X1", "长" * 200, "两市塘街道"]]))
    assert "超过 100 个字" in message


@pytest.mark.parametrize(
    "data",
    [b"not a spreadsheet", xlsx([GRIDS])[:300], b"PK\x03\x04" + b"\0" * 100],
    # The truncated workbook's bytes carry the zip's time stamp: xdist workers collecting a
    # second apart would name the test differently and refuse to run.
    ids=["text", "truncated-workbook", "empty-zip"],
)
def test_an_unreadable_upload_says_one_thing_on_the_form(world: World, data: bytes) -> None:
    client = world.client("market_admin")
    f = SimpleUploadedFile("名单.xlsx", data)
    response = client.post("/imports/", {"kind": "grids", "file": f})
    page = response.content.decode()
    assert response.status_code == 200 and UNREADABLE in page
    assert "无需写入" not in page and "没有可以写入的行" not in page
    assert not ImportJob.objects.exists()


def test_a_bomb_is_refused_at_upload_and_nothing_is_kept(world: World, settings: Any) -> None:
    settings.WANGGE_IMPORT_MAX_UNPACKED_MB = 1
    with pytest.raises(ValidationError) as refused:
        jobs.job_start(
            actor=world.user("market_admin"), spec=get_spec("grids"), filename="x.xlsx",
            data=_bomb(),
        )  # fmt: skip
    assert "解压后超过 1 MB" in refused.value.messages[0]
    assert not ImportJob.objects.exists()


def _declaring(data: bytes, ref: str) -> bytes:
    """The first sheet claiming `<dimension ref=…>` whatever it holds."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        sheet = src.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), sheet)
    return _with_member(data, "xl/worksheets/sheet1.xml", sheet)


def test_rows_are_counted_as_they_are_not_as_the_sheet_declares(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"X{i}", f"网格{i}", "火星"] for i in range(60)]
    data = _declaring(xlsx([GRIDS, *rows]), "A1:C2")
    assert estimate_rows(data) == 61
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 50)
    job = jobs.job_start(
        actor=world.user("market_admin"), spec=get_spec("grids"), filename="x.xlsx", data=data
    )
    assert jobs.is_background(job) and job.status == ImportJob.Status.QUEUED


def test_a_file_without_a_required_column_failed_rather_than_had_nothing_to_write(
    world: World,
) -> None:
    job = jobs.job_start(
        actor=world.user("market_admin"), spec=get_spec("grids"), filename="x.xlsx",
        data=xlsx([["网格名称", "区域"], ["好", "两市塘街道"]]),
    )  # fmt: skip
    assert job.status == ImportJob.Status.FAILED
    page = world.client("market_admin").get(f"/imports/{job.pk}/").content.decode()
    assert "文件缺少必填列" in page and "无需写入" not in page


def test_the_result_page_lists_errors_a_page_at_a_time(world: World) -> None:
    rows = [[f"X{i}", f"网格{i}", "火星"] for i in range(250)]
    job = jobs.job_start(
        actor=world.user("market_admin"), spec=get_spec("grids"), filename="x.xlsx",
        data=xlsx([GRIDS, *rows]),
    )  # fmt: skip
    client = world.client("market_admin")
    first = client.get(f"/imports/{job.pk}/").content.decode()
    assert first.count("<li data-row=") == 100 and "250 处错误" in first
    last = client.get(f"/imports/{job.pk}/?errors=3").content.decode()
    assert last.count("<li data-row=") == 50 and 'data-row="251"' in last
