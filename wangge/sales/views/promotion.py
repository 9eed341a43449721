"""Promotion material pages (§三.2(3)): the grid's pieces, putting one up, inspecting it,
its photos and its printable QR code."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.forms import add_service_errors
from wangge.core.params import int_param
from wangge.core.permissions import can
from wangge.core.views import ScopedListView
from wangge.crm.views.common import allow
from wangge.org.models import Grid
from wangge.sales import selectors, services
from wangge.sales.forms import SiteChoiceField
from wangge.sales.models import PromoInspection, PromoPiece
from wangge.sales.permissions import Action
from wangge.sales.services.promotion import MAX_PHOTO_BYTES
from wangge.territory.models import Site


def _photo_bytes(upload: Any) -> bytes | None:
    """The upload's bytes, read no further than one past the limit: the service refuses a
    photo over it by its size and a non-image by its first bytes, whatever the browser said."""
    if not upload:
        return None
    return bytes(upload.read(MAX_PHOTO_BYTES + 1))


class PieceForm(forms.Form):
    site = SiteChoiceField(label=gettext_lazy("小区/楼宇"), queryset=Site.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=PromoPiece.Kind.choices)
    building = forms.CharField(label=gettext_lazy("楼栋/位置"), max_length=64, required=False)
    title = forms.CharField(label=gettext_lazy("内容"), max_length=100, required=False)
    photo = forms.FileField(
        label=gettext_lazy("照片"),
        required=False,
        help_text=gettext_lazy("JPEG 或 PNG，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class InspectionForm(forms.Form):
    finding = forms.ChoiceField(
        label=gettext_lazy("巡查结果"),
        choices=PromoInspection.Finding.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    photo = forms.FileField(
        label=gettext_lazy("照片"),
        required=False,
        help_text=gettext_lazy("JPEG 或 PNG，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class PieceListView(ScopedListView):
    model = PromoPiece
    required_action = Action.PROMOTE
    template_name = "sales/promo_list.html"

    def get_queryset(self) -> Any:
        r = self.request
        return (
            selectors.piece_list(
                user=r.user, grid_id=int_param(r.GET, "grid"), site_id=int_param(r.GET, "site")
            )
            .select_related("grid")
            .order_by("-put_up_on", "-id")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["grids"] = Grid.objects.visible_to(self.request.user).filter(is_active=True)
        return ctx


def _piece(request: HttpRequest, pk: int) -> PromoPiece:
    allow(can(request.user, Action.PROMOTE))
    return selectors.piece_detail(user=request.user, pk=pk)


def _team_sites(request: HttpRequest) -> QuerySet[Site]:
    """Sites of the grids the person puts material up in (their grids; everything for the
    market department)."""
    return (
        Site.objects.visible_to(request.user)
        .filter(grid__isnull=False, grid__in=Grid.objects.visible_to(request.user))
        .select_related("estate")
        .order_by("name", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def piece_create(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, Action.PROMOTE))
    sites = _team_sites(request)
    initial = {}
    site_id = int_param(request.GET, "site")
    if site_id is not None:
        initial["site"] = site_id
    form = PieceForm(request.POST or None, request.FILES or None, sites=sites, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            piece = services.piece_create(
                actor=request.user,
                site=d["site"],
                kind=d["kind"],
                building=d["building"],
                title=d["title"],
                photo=_photo_bytes(d["photo"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("sales:promo_detail", pk=piece.pk)
    return render(
        request,
        "sales/promo_form.html",
        {"form": form, "title": _("张贴宣传品"), "cancel": reverse("sales:promo_list")},
    )


@login_required
@require_GET
def piece_detail(request: HttpRequest, pk: int) -> HttpResponse:
    piece = _piece(request, pk)
    leads = selectors.opportunity_list(user=request.user, piece_id=piece.pk)[:20]
    return render(
        request,
        "sales/promo_detail.html",
        {
            "piece": piece,
            "inspections": selectors.piece_inspections(piece=piece)[:20],
            "leads": leads,
            "can_inspect": can(request.user, Action.PROMOTE, piece.grid),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def piece_inspect(request: HttpRequest, pk: int) -> HttpResponse:
    piece = _piece(request, pk)
    allow(can(request.user, Action.PROMOTE, piece.grid))
    form = InspectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.piece_inspect(
                actor=request.user,
                piece=PromoPiece.objects.get(pk=pk),
                finding=d["finding"],
                note=d["note"],
                photo=_photo_bytes(d["photo"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("sales:promo_detail", pk=pk)
    return render(
        request,
        "sales/promo_form.html",
        {
            "form": form,
            "title": _("巡查：%(piece)s") % {"piece": piece},
            "cancel": reverse("sales:promo_detail", args=[pk]),
        },
    )


def _photo_response(data: bytes | memoryview | None, kind: str) -> HttpResponse:
    if not data:
        raise Http404
    response = HttpResponse(bytes(data), content_type=kind)
    # A stored upload is shown as an image, never sniffed into something that runs.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def piece_photo(request: HttpRequest, pk: int) -> HttpResponse:
    allow(can(request.user, Action.PROMOTE))
    piece = get_object_or_404(
        PromoPiece.objects.visible_to(request.user).only("photo", "photo_type", "grid_id"), pk=pk
    )
    return _photo_response(piece.photo, piece.photo_type)


@login_required
@require_GET
def inspection_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspection's photo: seen by whoever sees its piece."""
    allow(can(request.user, Action.PROMOTE))
    inspection = get_object_or_404(
        PromoInspection.objects.filter(piece__in=PromoPiece.objects.visible_to(request.user)).only(
            "photo", "photo_type"
        ),
        pk=pk,
    )
    return _photo_response(inspection.photo, inspection.photo_type)


def lead_url(request: HttpRequest, piece: PromoPiece) -> str:
    """The public lead form's absolute address, as the phone scanning the code will ask."""
    return request.build_absolute_uri(reverse("sales:lead_form", args=[piece.token]))


@login_required
@require_GET
def piece_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable page: the QR code of the piece's lead form, with its address spelled out."""
    piece = _piece(request, pk)
    url = lead_url(request, piece)
    # segno writes a bare <svg> with presentation attributes only: nothing the CSP blocks.
    svg = segno.make(url, error="m").svg_inline(scale=8, title=str(piece))
    return render(
        request, "sales/promo_qr.html", {"piece": piece, "url": url, "svg": mark_safe(svg)}
    )


urls: list[URLPattern] = [
    path("promo/", PieceListView.as_view(), name="promo_list"),
    path("promo/new/", piece_create, name="promo_create"),
    path("promo/<int:pk>/", piece_detail, name="promo_detail"),
    path("promo/<int:pk>/inspect/", piece_inspect, name="promo_inspect"),
    path("promo/<int:pk>/photo/", piece_photo, name="promo_photo"),
    path("promo/<int:pk>/qr/", piece_qr, name="promo_qr"),
    path("promo/inspections/<int:pk>/photo/", inspection_photo, name="promo_inspection_photo"),
]
