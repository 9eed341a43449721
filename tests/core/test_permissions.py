"""The role → action table each app extends, and the one question everything asks."""

from __future__ import annotations

import pytest

from tests.personas import PERSONAS, World
from wangge.core import permissions
from wangge.core.access import SYSTEM
from wangge.core.permissions import CoreAction, can
from wangge.crm.permissions import Action as Crm
from wangge.org.permissions import Action as Org
from wangge.territory.permissions import Action as Territory

#: The table as the seed's duties (§三.1) make it: the test prints what it checks.
EXPECTED: dict[str, set[str]] = {
    "manager_a": {
        Org.VIEW_ORG, Org.NAME_TECHNICIAN, CoreAction.VIEW_PHONE, CoreAction.USE_API,
        Territory.VIEW_SITES, Territory.EDIT_SITES, Territory.VIEW_PLANS, Crm.VIEW,
        Crm.NOTE_CUSTOMER, Crm.CREATE_CUSTOMER, Crm.EDIT_CUSTOMER, Crm.EDIT_SUBSCRIPTION,
        Crm.SURVEY_SITE, Crm.IMPORT_CUSTOMERS,
    },
    "account_a": {
        Org.VIEW_ORG, CoreAction.VIEW_PHONE, CoreAction.USE_API, Territory.VIEW_SITES, Crm.VIEW,
        Crm.NOTE_CUSTOMER, Crm.CREATE_CUSTOMER, Crm.EDIT_CUSTOMER, Crm.EDIT_SUBSCRIPTION,
        Crm.SURVEY_SITE, Crm.IMPORT_CUSTOMERS,
    },
    "sales_b": {
        Org.VIEW_ORG, CoreAction.VIEW_PHONE, CoreAction.USE_API, Territory.VIEW_SITES, Crm.VIEW,
        Crm.NOTE_CUSTOMER, Crm.CREATE_CUSTOMER, Crm.EDIT_CUSTOMER, Crm.EDIT_SUBSCRIPTION,
        Crm.SURVEY_SITE, Crm.IMPORT_CUSTOMERS,
    },
    # Installs and repairs: reads the grid's customers and notes them, no commercial edits.
    "tech_a": {
        Org.VIEW_ORG, CoreAction.VIEW_PHONE, CoreAction.USE_API, Territory.VIEW_SITES, Crm.VIEW,
        Crm.NOTE_CUSTOMER,
    },
    # Sells for themselves: registers and keeps their own customers; no sites, no phones.
    "agent_a": {
        Org.VIEW_ORG, CoreAction.USE_API, Crm.VIEW, Crm.NOTE_CUSTOMER, Crm.CREATE_CUSTOMER,
        Crm.EDIT_CUSTOMER, Crm.EDIT_SUBSCRIPTION,
    },
}  # fmt: skip


#: The apps this table covers; each app above them checks its own share in its tests.
PLATFORM = ("core", "org", "territory", "crm")


def test_the_role_table_is_the_seeds_division_of_duties(world: World) -> None:
    every = {code for code, d in permissions.actions().items() if d.app in PLATFORM}
    wrong = []
    for persona in PERSONAS:
        user = world.user(persona)
        held = {a for a in every if can(user, a)}
        want = every if persona == "market_admin" else EXPECTED[persona]
        if held != want:
            wrong.append(f"{persona}: extra {sorted(held - want)}, missing {sorted(want - held)}")
    assert not wrong, "\n".join(wrong)


def test_every_app_declares_its_own_actions() -> None:
    apps = {d.app for d in permissions.actions().values()}
    assert {"core", "org", "territory", "crm"} <= apps
    assert permissions.actions()[Crm.EDIT_CUSTOMER].app == "crm"


def test_the_system_may_do_everything_and_nobody_nothing() -> None:
    for action in permissions.actions():
        assert can(SYSTEM, action)
        assert not can(None, action)


def test_an_undeclared_action_is_a_programming_error(world: World) -> None:
    with pytest.raises(KeyError):
        can(world.user("market_admin"), "crm.no_such_action")


def test_declaring_another_apps_action_is_refused() -> None:
    with pytest.raises(ValueError):
        permissions.declare(app="intruder", actions={Crm.VIEW: "x"}, roles={})
    with pytest.raises(ValueError):
        permissions.declare(app="crm", actions={}, roles={"agent": {"crm.undeclared"}})


def test_object_rules_narrow_an_action_to_some_records(world: World) -> None:
    from tests.territory_world import build_territory

    t = build_territory(world, per_grid=1)
    manager, tech = world.user("manager_a"), world.user("tech_a")
    assert can(manager, Territory.EDIT_SITES, t.sites_a[0])
    assert not can(manager, Territory.EDIT_SITES, t.sites_b[0])
    assert not can(tech, Territory.EDIT_SITES, t.sites_a[0])
