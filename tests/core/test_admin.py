"""The audit, export and import records are in the admin to read, never to edit."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from wangge.core.models import AuditEntry, ExportLog, ImportJob

pytestmark = pytest.mark.django_db

MODELS = ["auditentry", "exportlog", "importjob"]


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def records() -> dict[str, int]:
    user = get_user_model().objects.create_user("someone", password="pw-123456")
    log = ExportLog.objects.create(
        user=user, user_repr="某人", kind="estates", filters={"grid": "3"}, rows=12
    )
    job = ImportJob.objects.create(
        user=user, kind="estates", filename="摸底表.xlsx", data=b"PK\x03\x04" + b"\0" * 64
    )
    entry = AuditEntry.objects.create(
        actor=user, actor_repr="某人", action=AuditEntry.Action.CREATE, object_id="1",
        object_repr="东湖花园", content_type=ContentType.objects.get_for_model(ExportLog),
    )  # fmt: skip
    return {"exportlog": log.pk, "importjob": job.pk, "auditentry": entry.pk}


@pytest.mark.parametrize("model", MODELS)
def test_the_superuser_reads_the_records(
    admin_client_: Client, records: dict[str, int], model: str
) -> None:
    listing = admin_client_.get(f"/admin/core/{model}/")
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert admin_client_.get(f"/admin/core/{model}/?q=estates").status_code == 200
    detail = admin_client_.get(f"/admin/core/{model}/{records[model]}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content  # shown to read, not as a form to save


@pytest.mark.parametrize("model", MODELS)
def test_nobody_adds_changes_or_deletes_them(
    admin_client_: Client, records: dict[str, int], model: str
) -> None:
    pk = records[model]
    assert admin_client_.get(f"/admin/core/{model}/add/").status_code == 403
    assert admin_client_.post(f"/admin/core/{model}/add/", {}).status_code == 403
    assert admin_client_.get(f"/admin/core/{model}/{pk}/delete/").status_code == 403
    admin_client_.post(f"/admin/core/{model}/{pk}/change/", {"kind": "staff"})
    admin_client_.post(
        f"/admin/core/{model}/", {"action": "delete_selected", "_selected_action": [pk]}
    )
    counts = (AuditEntry.objects.count(), ExportLog.objects.count(), ImportJob.objects.count())
    assert counts == (1, 1, 1)
    assert ExportLog.objects.get().kind == "estates" and ImportJob.objects.get().kind == "estates"


def test_the_import_job_page_leaves_the_uploaded_file_out(
    admin_client_: Client, records: dict[str, int]
) -> None:
    detail = admin_client_.get(f"/admin/core/importjob/{records['importjob']}/change/")
    assert detail.status_code == 200
    assert "data" not in detail.context["adminform"].form.fields
    assert "摸底表.xlsx" in detail.content.decode()


def test_export_jobs_are_read_only_and_leave_the_file_out(admin_client_: Client) -> None:
    from wangge.core.models import ExportJob

    user = get_user_model().objects.create_user("someone", password="pw-123456")
    job = ExportJob.objects.create(
        user=user, kind="households", filename="家庭客户-20261127-0430.xlsx",
        status=ExportJob.Status.DONE, rows=12, data=b"PK\x03\x04" + b"\0" * 64,
    )  # fmt: skip
    listing = admin_client_.get("/admin/core/exportjob/")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 1
    assert admin_client_.get("/admin/core/exportjob/?q=households").status_code == 200
    detail = admin_client_.get(f"/admin/core/exportjob/{job.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert "data" not in detail.context["adminform"].form.fields
    assert admin_client_.get("/admin/core/exportjob/add/").status_code == 403
    assert admin_client_.get(f"/admin/core/exportjob/{job.pk}/delete/").status_code == 403
    admin_client_.post(f"/admin/core/exportjob/{job.pk}/change/", {"kind": "staff"})
    admin_client_.post(
        "/admin/core/exportjob/", {"action": "delete_selected", "_selected_action": [job.pk]}
    )
    assert ExportJob.objects.get().kind == "households"
