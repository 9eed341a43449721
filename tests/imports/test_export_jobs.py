"""Long exports run as jobs: the list is written by the task worker and downloaded later."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from tests.imports.sheets import read
from tests.personas import PERSONAS, World, assert_status_matrix
from tests.rights import without_action
from tests.territory_world import Territory, build_territory
from wangge.core import permissions
from wangge.core.imports import get_spec, workbooks
from wangge.core.imports.exports import export_run, export_start
from wangge.core.models import ExportJob, ExportLog
from wangge.core.permissions import CoreAction
from wangge.org.roles import Role
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

#: Three estates of grid A and one of grid B match; grid A has six.
QUERY = "q=东湖"


@pytest.fixture
def territory(world: World, settings: Any) -> Territory:
    settings.WANGGE_EXPORT_INLINE_ROWS = 2
    t = build_territory(world, per_grid=6)
    for code in ("A001", "A003", "A005", "B002"):
        Site.objects.filter(code=code).update(name=f"东湖花园{code}")
    Site.objects.update(property_phone="13912345678")
    return t


def _no_phone_right(monkeypatch: pytest.MonkeyPatch, role: str = Role.TECHNICIAN) -> None:
    without_action(monkeypatch, role, CoreAction.VIEW_PHONE)


def _export(client: Client, capture: Any, query: str = QUERY) -> Any:
    with capture(execute=True):  # the worker runs the task (immediate backend in tests)
        return client.get(f"/exports/estates/?{query}")


def _job_pk(response: Any) -> int:
    assert response.status_code == 302, response.status_code
    return int(response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_long_export_is_a_job_whose_file_holds_exactly_the_filtered_rows_masked(
    territory: Territory,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _no_phone_right(monkeypatch)
    client = territory.world.client("tech_a")
    response = _export(client, django_capture_on_commit_callbacks)
    pk = _job_pk(response)
    assert response["Location"] == f"/exports/jobs/{pk}/"
    job = ExportJob.objects.get(pk=pk)
    assert (job.status, job.rows, job.params) == (ExportJob.Status.DONE, 3, {"q": "东湖"})
    page = client.get(response["Location"]).content.decode()
    assert "导出完成" in page and f'href="/exports/jobs/{pk}/download"' in page
    download = client.get(f"/exports/jobs/{pk}/download")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert job.filename.startswith("小区-") and job.filename.endswith(".xlsx")
    assert "filename*=utf-8''%E5%B0%8F%E5%8C%BA-" in download["Content-Disposition"]
    rows = read(download.content)
    assert sorted(r[0] for r in rows[1:]) == ["A001", "A003", "A005"]
    phone = rows[0].index("物业联系电话")
    assert {r[phone] for r in rows[1:]} == {"139****5678"}
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.filters, log.rows) == (
        territory.world.user("tech_a"),
        "estates",
        {"q": "东湖"},
        3,
    )


def test_phones_stay_whole_for_a_role_with_the_right(
    territory: Territory, django_capture_on_commit_callbacks: Any
) -> None:
    client = territory.world.client("manager_a")
    pk = _job_pk(_export(client, django_capture_on_commit_callbacks))
    rows = read(client.get(f"/exports/jobs/{pk}/download").content)
    assert {r[rows[0].index("物业联系电话")] for r in rows[1:]} == {"13912345678"}


def test_only_the_requester_downloads_and_others_do_not_see_the_job(
    territory: Territory, django_capture_on_commit_callbacks: Any
) -> None:
    pk = _job_pk(_export(territory.world.client("manager_a"), django_capture_on_commit_callbacks))
    seen = {p: 404 for p in PERSONAS} | {"manager_a": 200, "market_admin": 200}
    assert_status_matrix(territory.world, f"/exports/jobs/{pk}/", seen)
    # The market department sees every job, as it does imports, but the log names the
    # requester as the one who took the rows: nobody else downloads them.
    downloads = {p: 404 for p in PERSONAS} | {"manager_a": 200}
    assert_status_matrix(territory.world, f"/exports/jobs/{pk}/download", downloads)
    page = territory.world.client("market_admin").get(f"/exports/jobs/{pk}/").content.decode()
    assert "导出完成" in page and 'data-testid="download"' not in page
    assert territory.world.client(None).get(f"/exports/jobs/{pk}/download").status_code == 302
    assert ExportLog.objects.count() == 1  # looking and downloading do not export again


def test_a_short_export_still_answers_inline(
    territory: Territory, django_capture_on_commit_callbacks: Any
) -> None:
    response = _export(
        territory.world.client("manager_a"), django_capture_on_commit_callbacks, "q=A小区0"
    )
    assert response.status_code == 200
    assert [r[0] for r in read(response.content)[1:]] == ["A000"]
    assert not ExportJob.objects.exists() and ExportLog.objects.get().rows == 1


def test_the_threshold_counts_the_filtered_rows_not_all_visible_ones(
    territory: Territory, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WANGGE_EXPORT_INLINE_ROWS = 3  # grid A has six estates, three of them match
    client = territory.world.client("manager_a")
    assert _export(client, django_capture_on_commit_callbacks).status_code == 200
    grid = f"grid={territory.world.grid_a.pk}"
    assert _export(client, django_capture_on_commit_callbacks, grid).status_code == 302


def test_the_page_polls_while_the_job_waits_and_reloads_when_it_ends(
    territory: Territory, django_capture_on_commit_callbacks: Any
) -> None:
    client = territory.world.client("manager_a")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(f"/exports/estates/?{QUERY}")
    url = response["Location"]
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED and len(callbacks) == 1
    page = client.get(url).content.decode()
    assert 'data-testid="progress"' in page and 'hx-trigger="every 1s"' in page
    assert "/download" not in page
    assert client.get(f"{url}download").status_code == 404  # nothing to download yet
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="progress"' in partial and "<html" not in partial
    assert job.filename in client.get("/imports/").content.decode()  # in 最近的导出
    callbacks[0]()
    assert client.get(url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert client.get(f"{url}download").status_code == 200


def test_the_job_fails_visibly_when_the_right_is_gone_at_run_time(
    territory: Territory, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    user = territory.world.user("manager_a")
    with django_capture_on_commit_callbacks(execute=False):
        job = export_start(user, get_spec("estates"), QueryDict(QUERY).dict())
    monkeypatch.setitem(permissions._roles, Role.GRID_MANAGER, set())  # the role lost it
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.status, bytes(job.data), job.error) == (
        ExportJob.Status.FAILED,
        b"",
        "没有导出权限",
    )
    assert not ExportLog.objects.exists()
    client = territory.world.client("manager_a")
    page = client.get(f"/exports/jobs/{job.pk}/").content.decode()
    assert "导出失败" in page and "没有导出权限" in page
    assert client.get(f"/exports/jobs/{job.pk}/download").status_code == 404


def test_a_deactivated_user_gets_nothing_either(
    territory: Territory, django_capture_on_commit_callbacks: Any
) -> None:
    user = territory.world.user("manager_a")
    with django_capture_on_commit_callbacks(execute=False):
        job = export_start(user, get_spec("estates"), {})
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    export_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not ExportLog.objects.exists()


def test_whatever_breaks_in_the_worker_ends_the_job_with_its_message(
    territory: Territory, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(user: Any, params: Any) -> Any:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(get_spec("estates"), "filter_queryset", broken)
    user = territory.world.user("manager_a")
    with django_capture_on_commit_callbacks(execute=False):
        job = export_start(user, get_spec("estates"), {})
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error, job.progress) == (ExportJob.Status.FAILED, "磁盘已满", 1.0)
    page = territory.world.client("manager_a").get(f"/exports/jobs/{job.pk}/").content.decode()
    assert "磁盘已满" in page


def test_the_workbook_reports_its_progress_in_fractions_of_the_count(
    territory: Territory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbooks, "EXPORT_PROGRESS_ROWS", 2)
    spec, user = get_spec("estates"), territory.world.user("manager_a")
    qs, filters = spec.filter_queryset(user, {"grid": str(territory.world.grid_a.pk)})
    calls: list[tuple[float, int]] = []
    workbooks.export_workbook(spec, user, qs, filters, lambda f, n: calls.append((f, n)))
    assert calls == [(2 / 6, 2), (4 / 6, 4), (1.0, 6)]  # six estates in grid A


def test_a_job_records_progress_as_the_worker_goes(
    territory: Territory, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(workbooks, "EXPORT_PROGRESS_ROWS", 1)
    seen: list[tuple[str, float, str]] = []
    spec = get_spec("estates")
    original = spec.export_row

    def watching(obj: Any) -> dict[str, Any]:
        job = ExportJob.objects.defer("data").get()
        seen.append((job.status, job.progress, job.progress_note))
        return original(obj)

    monkeypatch.setattr(spec, "export_row", watching)
    with django_capture_on_commit_callbacks(execute=False):
        job = export_start(territory.world.user("manager_a"), spec, {"q": "东湖"})
    export_run(job.pk)
    assert [s[0] for s in seen] == [ExportJob.Status.RUNNING] * 3
    assert seen[0][1] == 0.0 and seen[0][2] == "正在导出"
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows) == (ExportJob.Status.DONE, 1.0, 3)
