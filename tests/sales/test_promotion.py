"""Promotion material: photos checked by content, inspections, the QR page and the public
lead form (validation, CSRF, throttling, attribution)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.sales import services
from wangge.sales.models import Opportunity, PromoInspection, PromoPiece
from wangge.sales.services.promotion import MAX_PHOTO_BYTES

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    cache.clear()  # the throttle counts in the cache, which outlives a test's database
    yield
    cache.clear()


@pytest.fixture
def held_clock(time_machine: Any) -> Any:
    """Just after an hour starts (a fresh window for every limit), the clock held, so a
    test's posts never straddle two windows."""
    start = int(clock.now().timestamp()) // 3600 * 3600 + 10
    time_machine.move_to(dt.datetime.fromtimestamp(start, dt.UTC), tick=False)
    return time_machine


@pytest.fixture
def piece(crm: CrmWorld) -> PromoPiece:
    return services.piece_create(
        actor=crm.world.user("account_a"),
        site=crm.t.sites_a[0],
        kind=PromoPiece.Kind.STICKER,
        building="3栋",
    )


def _lead_url(piece: PromoPiece) -> str:
    return reverse("sales:lead_form", args=[piece.token])


def _post_lead(client: Client, piece: PromoPiece, **data: str) -> object:
    ip = data.pop("ip", "10.0.0.1")
    body = {"name": "张先生", "phone": "13912345678", "need": "想装千兆宽带", **data}
    return client.post(_lead_url(piece), body, REMOTE_ADDR=ip)


# --- the service -----------------------------------------------------------------------


def test_a_photo_is_judged_by_its_content_not_its_name(crm: CrmWorld) -> None:
    account = crm.world.user("account_a")
    site = crm.t.sites_a[0]
    with pytest.raises(ValidationError) as err:
        services.piece_create(actor=account, site=site, kind="poster", photo=b"GIF89a" + PNG)
    assert "photo" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.piece_create(
            actor=account, site=site, kind="poster", photo=JPEG + b"\x00" * MAX_PHOTO_BYTES
        )
    assert "5 MB" in err.value.message_dict["photo"][0]
    assert not PromoPiece.objects.exists()
    ok = services.piece_create(actor=account, site=site, kind="poster", photo=JPEG)
    assert ok.photo_type == "image/jpeg"


def test_an_inspection_updates_the_pieces_state(crm: CrmWorld, piece: PromoPiece) -> None:
    tech = crm.world.user("tech_a")
    services.piece_inspect(actor=tech, piece=piece, finding=PromoInspection.Finding.DAMAGED)
    piece.refresh_from_db()
    assert piece.state == PromoPiece.State.DAMAGED
    assert piece.last_inspected_on is not None
    services.piece_inspect(actor=tech, piece=piece, finding=PromoInspection.Finding.REPLACED)
    piece.refresh_from_db()
    assert piece.state == PromoPiece.State.UP
    assert piece.inspections.count() == 2


# --- the pages -------------------------------------------------------------------------


def test_put_up_page_refuses_a_disguised_photo_and_saves_nothing(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    fake = SimpleUploadedFile("poster.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg")
    response = client.post(
        reverse("sales:promo_create"),
        {"site": crm.t.sites_a[0].pk, "kind": "poster", "photo": fake},
    )
    assert response.status_code == 200
    assert "JPEG 或 PNG" in response.content.decode()
    assert not PromoPiece.objects.exists()

    good = SimpleUploadedFile("poster.png", PNG, content_type="application/octet-stream")
    response = client.post(
        reverse("sales:promo_create"),
        {"site": crm.t.sites_a[0].pk, "kind": "poster", "building": "1栋", "photo": good},
    )
    piece = PromoPiece.objects.get()
    assert response["Location"] == reverse("sales:promo_detail", args=[piece.pk])
    photo = client.get(reverse("sales:promo_photo", args=[piece.pk]))
    assert photo["Content-Type"] == "image/png"
    assert photo["X-Content-Type-Options"] == "nosniff"
    assert photo.content == PNG


def test_inspection_page_records_the_finding(crm: CrmWorld, piece: PromoPiece) -> None:
    client = crm.world.client("tech_a")
    url = reverse("sales:promo_inspect", args=[piece.pk])
    response = client.post(url, {"finding": "missing", "note": "被物业撕掉"})
    assert response.status_code == 302
    piece.refresh_from_db()
    assert piece.state == PromoPiece.State.MISSING
    page = client.get(reverse("sales:promo_detail", args=[piece.pk])).content.decode()
    assert "被物业撕掉" in page


def test_qr_page_points_at_the_absolute_public_form(crm: CrmWorld, piece: PromoPiece) -> None:
    response = crm.world.client("manager_a").get(reverse("sales:promo_qr", args=[piece.pk]))
    page = response.content.decode()
    assert f"http://testserver/sales/l/{piece.token}/" in page
    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>")[0]


def test_the_lead_form_opens_without_login_under_the_csp(piece: PromoPiece) -> None:
    response = Client().get(_lead_url(piece))
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


def test_the_lead_form_is_csrf_protected(piece: PromoPiece) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(_lead_url(piece), {"name": "张", "phone": "13912345678"})
    assert response.status_code == 403
    assert not Opportunity.objects.exists()


def test_a_lead_lands_unassigned_on_the_grid_board_attributed_to_the_piece(
    crm: CrmWorld, piece: PromoPiece
) -> None:
    client = Client()
    response = _post_lead(client, piece)
    # Post, redirect, get: reloading the thank-you page cannot send the lead twice.
    thanks = reverse("sales:lead_thanks", args=[piece.token])
    assert response.status_code == 302 and response["Location"] == thanks  # type: ignore[index,attr-defined]
    page = client.get(thanks)
    assert page.status_code == 200 and "已收到您的需求" in page.content.decode()
    client.get(thanks)
    lead = Opportunity.objects.get()
    assert lead.source == Opportunity.Source.PROMOTION_QR
    assert lead.piece_id == piece.pk
    assert lead.grid_id == crm.world.grid_a.pk
    assert lead.assignee_id is None
    assert (lead.contact_name, lead.contact_phone) == ("张先生", "13912345678")
    page = crm.world.client("manager_a").get(reverse("sales:promo_detail", args=[piece.pk]))
    assert str(lead.code) in page.content.decode()


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("name", {"name": "  "}),
        ("phone", {"phone": "12345"}),
        ("phone", {"phone": "1391234567x"}),
        ("need", {"need": "很" * 501}),
    ],
)
def test_the_lead_form_names_what_is_wrong_and_writes_nothing(
    piece: PromoPiece, field: str, data: dict[str, str]
) -> None:
    response = _post_lead(Client(), piece, **data)
    form = response.context["form"]  # type: ignore[attr-defined]
    assert field in form.errors
    assert not Opportunity.objects.exists()


def test_a_flood_from_one_address_answers_429_and_writes_nothing(
    piece: PromoPiece, settings: Any, held_clock: Any
) -> None:
    settings.WANGGE_LEAD_THROTTLE = {
        "per_ip": 2,
        "ip_window_s": 600,
        "per_piece": 100,
        "piece_window_s": 3600,
    }
    client = Client()
    for _ in range(2):
        assert _post_lead(client, piece).status_code == 302  # type: ignore[attr-defined]
    response = _post_lead(client, piece)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "提交过于频繁" in response.content.decode()  # type: ignore[attr-defined]
    assert Opportunity.objects.count() == 2
    # Another address is not held up by this one.
    assert _post_lead(client, piece, ip="10.0.0.2").status_code == 302  # type: ignore[attr-defined]


def test_a_flood_on_one_piece_from_many_addresses_is_throttled_too(
    piece: PromoPiece, settings: Any, held_clock: Any
) -> None:
    settings.WANGGE_LEAD_THROTTLE = {
        "per_ip": 100,
        "ip_window_s": 600,
        "per_piece": 3,
        "piece_window_s": 3600,
    }
    client = Client()
    statuses = [
        _post_lead(client, piece, ip=f"10.0.1.{i}").status_code  # type: ignore[attr-defined]
        for i in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]
    assert Opportunity.objects.count() == 3


def test_the_throttle_window_passes(piece: PromoPiece, settings: Any, held_clock: Any) -> None:
    settings.WANGGE_LEAD_THROTTLE = {
        "per_ip": 1,
        "ip_window_s": 600,
        "per_piece": 100,
        "piece_window_s": 3600,
    }
    client = Client()
    assert _post_lead(client, piece).status_code == 302  # type: ignore[attr-defined]
    assert _post_lead(client, piece).status_code == 429  # type: ignore[attr-defined]
    held_clock.shift(601)
    assert _post_lead(client, piece).status_code == 302  # type: ignore[attr-defined]


def test_an_unknown_token_is_404(piece: PromoPiece) -> None:
    assert Client().get(reverse("sales:lead_form", args=["nope"])).status_code == 404


def test_photos_are_not_shown_outside_the_grid(crm: CrmWorld) -> None:
    piece = services.piece_create(
        actor=crm.world.user("account_a"), site=crm.t.sites_a[0], kind="poster", photo=PNG
    )
    url = reverse("sales:promo_photo", args=[piece.pk])
    assert crm.world.client("manager_a").get(url).status_code == 200
    assert crm.world.client("sales_b").get(url).status_code == 404
    assert crm.world.client("agent_a").get(url).status_code == 404
