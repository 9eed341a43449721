"""Every list page reaches the Excel pipeline: export what it shows, import, templates."""

from __future__ import annotations

import io
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from tests.crm.world import build_crm
from tests.personas import World
from tests.territory_world import Territory
from wangge.core.imports import get_spec
from wangge.core.models import ExportLog
from wangge.crm.models import Customer, customer_code

pytestmark = pytest.mark.django_db


class _Links(HTMLParser):
    """`data-testid` → href of every link that has both."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("data-testid") and a.get("href"):
            self.found[str(a["data-testid"])] = unescape(str(a["href"]))


def links(client: Any, url: str, **headers: Any) -> dict[str, str]:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    parser = _Links()
    parser.feed(response.content.decode())
    return {k: v for k, v in parser.found.items() if k.split("-", 1)[0] in EXCEL}


EXCEL = {"export", "import", "template"}


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def rows_of(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)][1:]  # without the header


# --- the org and territory lists --------------------------------------------------------------


def test_staff_list_export_carries_the_filters_but_not_the_page(world: World) -> None:
    client = world.client("market_admin")
    url = reverse("org:staff_list") + "?q=%E7%BB%8F&role=grid_manager&page=1"
    found = links(client, url)
    href = found["export-staff"]
    assert urlsplit(href).path == reverse("core:export", args=["staff"])
    assert query_of(href) == {"q": ["经"], "role": ["grid_manager"]}
    assert urlsplit(found["import-staff"]).query == "kind=staff"
    assert found["template-staff"] == reverse("core:import_template", args=["staff"])


def test_grid_list_export_carries_the_filters(world: World) -> None:
    url = reverse("org:grid_list") + f"?region={world.region_a.pk}"
    found = links(world.client("market_admin"), url)
    assert query_of(found["export-grids"]) == {"region": [str(world.region_a.pk)]}
    assert "import-grids" in found and "template-grids" in found


@pytest.mark.parametrize("persona", ["account_a", "sales_b", "tech_a", "agent_a"])
def test_who_may_not_import_sees_only_the_export(world: World, persona: str) -> None:
    client = world.client(persona)
    pages = [(reverse("org:staff_list"), ["staff"]), (reverse("org:grid_list"), ["grids"])]
    if persona != "agent_a":  # agents hold no right to the grid's sites: no site list at all
        pages.append((reverse("territory:site_list"), ["estates", "buildings", "premises"]))
    for url, kinds in pages:
        assert set(links(client, url)) == {f"export-{k}" for k in kinds}, url


def test_a_grid_manager_may_import_sites_but_not_staff_or_grids(world: World) -> None:
    client = world.client("manager_a")
    assert set(links(client, reverse("org:staff_list"))) == {"export-staff"}
    assert set(links(client, reverse("org:grid_list"))) == {"export-grids"}
    found = links(client, reverse("territory:site_list") + "?kind=estate")
    assert set(found) == {"export-estates", "import-estates", "template-estates"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("estate", {"estates"}),
        ("building", {"buildings"}),
        ("", {"estates", "buildings", "premises"}),
        ("premises", {"premises"}),
    ],
)
def test_site_list_offers_the_kind_it_filters_by(
    world: World, kind: str, expected: set[str]
) -> None:
    found = links(world.client("market_admin"), reverse("territory:site_list") + f"?kind={kind}")
    assert {k.split("-", 1)[1] for k in found} == expected


def test_the_htmx_results_carry_the_new_filters(world: World) -> None:
    """Filtering swaps only #results: the links must be inside it, built from the new query."""
    url = reverse("territory:site_list") + f"?kind=estate&grid={world.grid_b.pk}&q="
    found = links(world.client("market_admin"), url, HTTP_HX_REQUEST="true")
    assert query_of(found["export-estates"]) == {"kind": ["estate"], "grid": [str(world.grid_b.pk)]}


def test_following_the_site_list_export_link_exports_the_filtered_rows(
    territory: Territory,
) -> None:
    world = territory.world
    client = world.client("manager_a")
    url = reverse("territory:site_list") + f"?kind=estate&grid={world.grid_a.pk}"
    listed = client.get(url).context["paginator"].count
    assert listed == len(territory.sites_a) < len(territory.sites_a) + len(territory.sites_b)
    href = links(client, url)["export-estates"]
    rows = rows_of(client.get(href))
    assert sorted(r[0] for r in rows) == sorted(s.code for s in territory.sites_a)
    log = ExportLog.objects.get()
    assert (log.kind, log.rows, log.filters) == ("estates", listed, {"grid": str(world.grid_a.pk)})
    assert log.user == world.user("manager_a")


def test_a_search_on_the_list_is_the_search_of_the_export(territory: Territory) -> None:
    client = territory.world.client("market_admin")
    url = reverse("territory:site_list") + "?q=B%E5%B0%8F%E5%8C%BA2"  # "B小区2"
    assert client.get(url).context["paginator"].count == 1
    rows = rows_of(client.get(links(client, url)["export-estates"]))
    assert [r[0] for r in rows] == [territory.sites_b[2].code]
    assert ExportLog.objects.get().filters == {"q": "B小区2"}


def test_following_the_staff_list_export_link_exports_the_filtered_rows(world: World) -> None:
    client = world.client("market_admin")
    url = reverse("org:staff_list") + "?role=grid_manager"
    listed = {s.employee_no for s in client.get(url).context["object_list"]}
    assert listed == {"MANAGER_A", "MANAGER_B"}
    rows = rows_of(client.get(links(client, url)["export-staff"]))
    header = [c.header for c in get_spec("staff").columns]
    assert {r[header.index("工号")] for r in rows} == listed
    log = ExportLog.objects.get()
    assert (log.kind, log.rows, log.filters) == ("staff", 2, {"role": "grid_manager"})


# --- the import page --------------------------------------------------------------------------


def test_the_import_link_preselects_its_kind(world: World) -> None:
    html = world.client("market_admin").get(reverse("core:import_list") + "?kind=grids")
    assert '<option value="grids" selected>' in html.content.decode()


def test_a_kind_the_user_may_not_import_is_not_preselected(world: World) -> None:
    response = world.client("manager_a").get(reverse("core:import_list") + "?kind=staff")
    html = response.content.decode()
    assert response.status_code == 200
    kinds = re.search(r'<select name="kind".*?</select>', html, re.S)
    assert kinds is not None and 'value="estates"' in kinds.group()
    assert 'value="staff"' not in kinds.group() and "selected" not in kinds.group()


# --- the crm lists ----------------------------------------------------------------------------


def _registered(kind: str) -> bool:
    try:
        get_spec(kind)
    except LookupError:
        return False
    return True


CRM_PAGES = [
    ("crm:customer_list", "kind=household&tier=gold", ["households"]),
    ("crm:customer_list", "kind=group&stale=1", ["organizations"]),
    ("crm:customer_list", "q=%E7%8E%8B", ["households", "organizations"]),
    ("crm:organization_list", "stale=1", ["organizations"]),
    ("crm:subscription_list", "arrears=1", ["subscriptions"]),
    ("crm:intel_list", "stale=1", ["competitor-offers"]),
]


@pytest.mark.parametrize(("name", "query", "kinds"), CRM_PAGES)
def test_crm_lists_link_their_kinds_once_registered(
    world: World, name: str, query: str, kinds: list[str]
) -> None:
    """The crm kinds arrive separately: until a kind is registered its page shows no link
    for it (and does not fail); once it is, the export carries the page's filters."""
    build_crm(world)
    found = links(world.client("market_admin"), reverse(name) + "?" + query)
    registered = [k for k in kinds if _registered(k)]
    assert {k.split("-", 1)[1] for k in found} == set(registered)
    for kind in registered:
        assert urlsplit(found[f"export-{kind}"]).query == query


def test_following_the_customer_list_export_link_exports_the_filtered_households(
    world: World,
) -> None:
    crm = build_crm(world)
    client = world.client("account_a")
    url = reverse("crm:customer_list") + "?kind=household&mine=1"
    listed = {c.code for c in client.get(url).context["object_list"]}
    assert listed == {crm.customers[k].code for k in ("a_home", "b_owned")}
    rows = rows_of(client.get(links(client, url)["export-households"]))
    header = [c.header for c in get_spec("households").columns]
    assert {r[header.index("客户编号")] for r in rows} == listed
    log = ExportLog.objects.get()
    assert (log.kind, log.rows, log.filters) == ("households", 2, {"mine": "1"})


def test_an_unregistered_kind_renders_nothing() -> None:
    request = RequestFactory().get("/x/?q=1")
    request.user = type("U", (), {"is_authenticated": True})()
    html = Template('{% load wangge %}[{% excel_links "no-such-kind" %}]').render(
        Context({"request": request})
    )
    assert "".join(html.split()) == "[]"


def test_anonymous_renders_nothing_though_specs_read_no_user_as_the_system() -> None:
    request = RequestFactory().get("/x/")
    request.user = type("U", (), {"is_authenticated": False})()
    html = Template('{% load wangge %}[{% excel_links "staff" %}]').render(
        Context({"request": request})
    )
    assert "".join(html.split()) == "[]"


def test_the_customer_list_shows_the_customer_number(world: World) -> None:
    crm = build_crm(world)
    customer = crm.customers["a_home"]
    Customer.objects.filter(pk=crm.customers["b_home"].pk).update(code="OP-778899")
    html = crm.world.client("market_admin").get(reverse("crm:customer_list")).content.decode()
    assert "<th" in html and "客户编号" in html
    assert f'data-testid="code">{customer_code(customer.pk)}</td>' in html
    assert 'data-testid="code">OP-778899</td>' in html
