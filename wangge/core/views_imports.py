"""The import/export page: upload → preview → commit → result; templates and exports.

Thin: the pipeline (`wangge.core.imports`) does the work; import and export jobs run
inline when small and in the task worker when large, with a progress bar polled by htmx.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.forms import add_service_errors
from wangge.core.imports import ImportSpec, all_specs, get_spec
from wangge.core.imports.exports import export_filename, export_start
from wangge.core.imports.jobs import MAX_UPLOAD_BYTES, job_commit, job_report, job_start
from wangge.core.imports.pipeline import error_workbook, export_workbook, template_workbook
from wangge.core.models import ExportJob, ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("数据类型"))
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm"}),
    )
    strict = forms.BooleanField(
        label=gettext_lazy("严格模式：有任何错误就一行也不导入"), required=False
    )

    def __init__(self, *args: Any, kinds: list[ImportSpec], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(s.kind, s.label) for s in kinds]  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".xlsm")):
            raise ValidationError(_("请上传 .xlsx 文件（旧的 .xls 请先在 Excel 中另存为 .xlsx）"))
        if f.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件太大（最多 50 MB）"))
        return f


def _spec(kind: str) -> ImportSpec:
    try:
        return get_spec(kind)
    except LookupError:
        raise Http404 from None


def _importable(user: Any) -> list[ImportSpec]:
    return [s for s in all_specs() if s.can_import(user)]


def _exportable(user: Any) -> list[ImportSpec]:
    return [s for s in all_specs() if s.can_export(user)]


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    importable, exportable = _importable(request.user), _exportable(request.user)
    if not importable and not exportable:
        raise Http404
    # A list page's 导入 link names its kind (`?kind=estates`); one the user may not import
    # is ignored rather than refused, the form simply starts at its first choice.
    preselect = request.GET.get("kind", "")
    initial = {"kind": preselect} if preselect in {s.kind for s in importable} else {}
    form = UploadForm(
        request.POST or None, request.FILES or None, kinds=importable, initial=initial
    )
    if request.method == "POST":
        if not importable:
            raise Http404
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = job_start(
                    actor=request.user,
                    spec=_spec(form.cleaned_data["kind"]),
                    filename=upload.name,
                    data=upload.read(),
                    strict=form.cleaned_data["strict"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("core:import_detail", pk=job.pk)
    jobs = (
        ImportJob.objects.visible_to(request.user)
        .select_related("user", "user__staff")  # the list names each uploader
        .defer("data")
    )
    exports = (
        ExportJob.objects.visible_to(request.user).filter(user_id=request.user.pk).defer("data")
    )
    return render(
        request,
        "core/import_list.html",
        {
            "form": form,
            "importable": importable,
            "exportable": exportable,
            "jobs": jobs[:20],
            "exports": exports[:10],
            "labels": {s.kind: s.label for s in all_specs()},
        },
    )


def _job(request: HttpRequest, pk: int) -> ImportJob:
    qs = ImportJob.objects.visible_to(request.user).select_related("user").defer("data")
    return get_object_or_404(qs, pk=pk)


#: Errors listed per page of an import's result; the error sheet carries them all.
ERRORS_PER_PAGE = 100


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    report = job_report(job)
    errors = Paginator(report.errors if report else [], ERRORS_PER_PAGE)
    ctx = {
        "job": job,
        "report": report,
        "errors": errors.get_page(request.GET.get("errors")),
        "spec": _spec(job.kind),
        "can_commit": (
            job.status == ImportJob.Status.VALIDATED
            and job.user_id == request.user.pk
            and report is not None
            and (report.created or report.updated)
            and not (job.strict and report.rejected)
        ),
    }
    if request.htmx and job.running:  # type: ignore[attr-defined]
        return render(request, "core/import_detail.html#progress", ctx)
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # finished: reload the whole page with the result
        return response
    return render(request, "core/import_detail.html", ctx)


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job_commit(actor=request.user, job=job)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("core:import_detail", pk=job.pk)


@login_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    report = job_report(job)
    if report is None or not report.errors:
        raise Http404
    data = bytes(ImportJob.objects.values_list("data", flat=True).get(pk=job.pk))
    stem = job.filename.rsplit(".", 1)[0]
    # The suffix names the file in the reader's language ("…-errors.xlsx").
    return _xlsx(error_workbook(data, report), _("%(stem)s-错误.xlsx") % {"stem": stem})


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _spec(kind)
    if not (spec.can_import(request.user) or spec.can_export(request.user)):
        raise Http404
    return _xlsx(template_workbook(spec), _("%(label)s-模板.xlsx") % {"label": spec.label})


@login_required
@require_GET
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """Any list the user can see, filtered like its list page (`?q=…&grid=…`), logged.

    A long list goes to the task worker and the user to its progress page: written here it
    would outlast the proxy's patience and hold a worker."""
    spec = _spec(kind)
    if not spec.can_export(request.user):
        raise Http404
    queryset, filters = spec.filter_queryset(request.user, request.GET)
    if queryset.count() > settings.WANGGE_EXPORT_INLINE_ROWS:
        params = request.GET.dict()
        job = export_start(request.user, spec, params)
        if job.params != params:
            messages.info(request, _("您的上一个同类导出还在进行，完成后再导出新的条件"))
        return redirect("core:export_job", pk=job.pk)
    data = export_workbook(spec, request.user, queryset, filters)
    return _xlsx(data, export_filename(spec))


def _export_job(request: HttpRequest, pk: int) -> ExportJob:
    qs = ExportJob.objects.visible_to(request.user).select_related("user").defer("data")
    return get_object_or_404(qs, pk=pk)


def _can_download(request: HttpRequest, job: ExportJob) -> bool:
    # Only the requester: the export log names them as the one who took these rows out.
    return (
        job.status == ExportJob.Status.DONE
        and job.user_id == request.user.pk
        and _spec(job.kind).can_export(request.user)
    )


@login_required
@require_GET
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export_job(request, pk)
    ctx = {"job": job, "spec": _spec(job.kind), "can_download": _can_download(request, job)}
    if request.htmx and job.running:  # type: ignore[attr-defined]
        return render(request, "core/export_job.html#progress", ctx)
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # finished: reload the whole page with the link
        return response
    return render(request, "core/export_job.html", ctx)


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export_job(request, pk)
    if not _can_download(request, job):
        raise Http404
    data = bytes(ExportJob.objects.values_list("data", flat=True).get(pk=job.pk))
    return _xlsx(data, job.filename)
