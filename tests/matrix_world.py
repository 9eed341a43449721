"""Objects every route of the permission matrix can be pointed at (grid A's, mostly)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.core.models import ExportJob, ImportJob
from wangge.crm import services
from wangge.crm.models import Competitor


@dataclass
class MatrixWorld:
    crm: CrmWorld
    ids: dict[str, Any]


def build_matrix_world(crm: CrmWorld) -> MatrixWorld:
    manager = crm.world.user("manager_a")
    contact = services.contact_create(
        actor=SYSTEM, customer=crm.customers["a_home"], name="联系人", phone="13900000000"
    )
    imp = ImportJob.objects.create(user=manager, kind="estates", filename="a.xlsx", data=b"x")
    exp = ExportJob.objects.create(user=manager, kind="estates", filename="a.xlsx", status="done")
    sub = crm.subscriptions["a_home"]
    ids = {
        "customer": crm.customers["a_home"].pk,
        "org": crm.customers["a_org"].pk,
        "contact": contact.pk,
        "subscription": sub.pk,
        "product": crm.broadband.pk,
        "plan": crm.plan_bb.pk,
        "competitor": Competitor.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "intel": crm.intel_a.pk,
        "offer": crm.offer_a.pk,
        "site": crm.t.sites_a[0].pk,
        "grid": crm.world.grid_a.pk,
        "staff": crm.world.staff["account_a"].pk,
        "team": crm.world.team_a.pk,
        "plan_active": crm.t.plan.pk,
        "import": imp.pk,
        "export": exp.pk,
        "kind": "estates",
    }
    for app in app_matrices():
        ids.update(app.objects(crm))
    return MatrixWorld(crm=crm, ids=ids)


def app_matrices() -> Iterator[ModuleType]:
    """Each app's share of the matrix (`tests/<app>/matrix.py`), in a fixed order."""
    for path in sorted(Path(__file__).parent.glob("*/matrix.py")):
        yield importlib.import_module(f"tests.{path.parent.name}.matrix")
