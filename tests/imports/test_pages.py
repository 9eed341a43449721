"""The import/export page: upload → preview → commit → result, for each persona."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.imports.sheets import read, xlsx
from tests.personas import PERSONAS, World, assert_status_matrix
from tests.territory_world import Territory
from wangge.core.imports import jobs
from wangge.core.models import ExportLog, ImportJob
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

HEADER = ["编码", "小区名称", "经度", "纬度", "总户数", "物业联系电话"]
ALL = dict.fromkeys(PERSONAS, 200)


def _upload(
    client: Any, rows: Sequence[Sequence[object]], *, kind: str = "estates", strict: bool = False
) -> Any:
    f = SimpleUploadedFile("摸底表.xlsx", xlsx([HEADER, *rows]))
    data = {"kind": kind, "file": f}
    if strict:
        data["strict"] = "on"
    return client.post("/imports/", data)


def _job_for(world: World, persona: str) -> ImportJob:
    return ImportJob.objects.create(
        user=world.user(persona), kind="estates", filename="x.xlsx", data=xlsx([HEADER]),
        status=ImportJob.Status.VALIDATED, report={"kind": "estates"},
    )  # fmt: skip


def test_the_page_and_downloads_answer_every_persona(world: World) -> None:
    assert_status_matrix(world, "/imports/", ALL)
    # Agents work from their own accounts: no site templates (they hold no right to sites).
    assert_status_matrix(world, "/imports/template/estates/", {**ALL, "agent_a": 404})
    assert_status_matrix(world, "/exports/grids/", ALL)
    assert_status_matrix(world, "/imports/template/nonsense/", dict.fromkeys(PERSONAS, 404))
    assert world.client(None).get("/imports/").status_code == 302  # to the login page


def test_only_the_uploader_and_the_market_department_see_a_job(world: World) -> None:
    job = _job_for(world, "manager_a")
    seen = {"market_admin": 200, "manager_a": 200, "account_a": 404, "sales_b": 404,
            "tech_a": 404, "agent_a": 404}  # fmt: skip
    assert_status_matrix(world, f"/imports/{job.pk}/", seen)


def test_only_the_uploader_may_commit_a_job(world: World) -> None:
    job = _job_for(world, "manager_a")
    not_theirs = {p: 404 for p in PERSONAS if p != "manager_a"}
    for persona, status in not_theirs.items():
        assert world.client(persona).post(f"/imports/{job.pk}/commit/").status_code == status
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED


def test_upload_offers_each_persona_only_the_kinds_they_may_import(world: World) -> None:
    admin_page = world.client("market_admin").get("/imports/").content.decode()
    manager_page = world.client("manager_a").get("/imports/").content.decode()
    marketer_page = world.client("account_a").get("/imports/").content.decode()
    agent_page = world.client("agent_a").get("/imports/").content.decode()
    assert 'value="staff"' in admin_page and 'value="estates"' in admin_page
    assert 'value="staff"' not in manager_page and 'value="estates"' in manager_page
    # Field staff bring in what they survey (customers, competitors), not sites.
    assert 'value="competitor-offers"' in marketer_page and 'value="estates"' not in marketer_page
    # Agents bring only their own sales (subscriptions; each row checked against the customer).
    assert re.findall(
        r'<option value="([a-z-]+)"', agent_page.split('data-testid="upload"')[1]
    ) == ["subscriptions"]
    refused = _upload(world.client("account_a"), [])  # estates: not a kind they may import
    assert refused.status_code == 200 and 'value="estates"' not in refused.content.decode()
    assert not ImportJob.objects.exists()
    assert _upload(world.client("agent_a"), [], kind="competitor-offers").status_code == 200
    assert not ImportJob.objects.exists()  # refused on the form, like the marketer's estates


def test_upload_preview_commit_result(territory: Territory) -> None:
    client = territory.world.client("manager_a")
    response = _upload(client, [["N1", "新小区", 111.705, 27.205, 10, "138-0013-8000"],
                                ["N2", "坏小区", 111.705, 27.205, "x", "12345"],
                                ["N3", "东边", 111.735, 27.205, 10, None]])  # fmt: skip
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.status == ImportJob.Status.VALIDATED  # small: validated within the upload
    page = client.get(response["Location"]).content.decode()
    assert "待确认" in page and 'data-testid="preview"' in page and "新小区" in page
    for text in ("总户数", "应为数字", "物业联系电话", "位数", "不在您负责"):
        assert text in page
    assert 'data-testid="commit"' in page and 'data-testid="error-sheet"' in page
    assert not Site.objects.filter(code="N1").exists()
    sheet = client.get(f"/imports/{job.pk}/errors.xlsx")
    assert sheet.status_code == 200 and read(sheet.content)[0][-1] == "错误"
    done = client.post(f"/imports/{job.pk}/commit/", follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert "已导入" in done.content.decode()
    assert Site.objects.filter(code="N1").exists() and not Site.objects.filter(code="N2").exists()
    again = client.post(f"/imports/{job.pk}/commit/", follow=True)
    assert "已经提交过" in again.content.decode()
    assert Site.objects.filter(code="N1").count() == 1


def test_strict_mode_with_errors_offers_no_commit(territory: Territory) -> None:
    client = territory.world.client("manager_a")
    rows: list[list[object]] = [
        ["N1", "新", 111.705, 27.205, 10, None],
        ["N2", None, 1, 1, 1, None],
    ]
    response = _upload(client, rows, strict=True)
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="commit"' not in page and "严格模式下有错误" in page


def test_an_unreadable_file_is_reported_not_crashed(world: World) -> None:
    client = world.client("market_admin")
    bad = client.post("/imports/", {"kind": "grids", "file": SimpleUploadedFile("a.xlsx", b"nope")})
    assert bad.status_code == 200 and "文件无法读取" in bad.content.decode()  # on the form
    old = client.post("/imports/", {"kind": "grids", "file": SimpleUploadedFile("a.xls", b"x")})
    assert old.status_code == 200 and ".xlsx" in old.content.decode()


def test_large_files_run_in_the_background_with_a_progress_bar(
    territory: Territory, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 2)
    client = territory.world.client("manager_a")
    rows = [[f"N{i}", f"小区{i}", 111.705, 27.205, 10, None] for i in range(5)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(client, rows)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and len(callbacks) == 1
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="progress"' in page and 'hx-trigger="every 1s"' in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert 'id="progress"' in partial.content.decode() and "<html" not in partial.content.decode()
    callbacks[0]()  # the worker picks the task up (immediate backend in tests)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.report["created"] == 5
    finished = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert (
        job.status == ImportJob.Status.DONE
        and Site.objects.filter(code__startswith="N").count() == 5
    )


def test_export_link_downloads_the_filtered_list_and_logs_it(territory: Territory) -> None:
    client = territory.world.client("manager_a")
    response = client.get("/exports/estates/?q=A小区1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read(response.content)
    assert [r[0] for r in rows[1:]] == ["A001"]
    log = ExportLog.objects.get()
    assert (log.user, log.filters, log.rows) == (
        territory.world.user("manager_a"),
        {"q": "A小区1"},
        1,
    )


def test_the_navigation_links_to_the_page(world: World) -> None:
    assert 'href="/imports/"' in world.client("tech_a").get("/").content.decode()


def test_a_file_with_nothing_to_write_says_so_and_waits_for_nobody(territory: Territory) -> None:
    client = territory.world.client("manager_a")
    good = [["N1", "新小区", 111.705, 27.205, 10, None]]
    client.post(f"/imports/{_job(client, good)}/commit/")
    for rows, text in ((good, "无需写入"), ([["N2", None, 1, 1, 1, None]], "没有可以写入的行")):
        job = ImportJob.objects.get(pk=_job(client, rows))
        assert job.status == ImportJob.Status.NOTHING
        page = client.get(f"/imports/{job.pk}/").content.decode()
        assert text in page and 'data-testid="commit"' not in page
        assert "无需写入" in client.get("/imports/").content.decode()  # in the recent list


def _job(client: Any, rows: Sequence[Sequence[object]]) -> int:
    response = _upload(client, rows)
    assert response.status_code == 302
    return int(response["Location"].rstrip("/").rsplit("/", 1)[1])
