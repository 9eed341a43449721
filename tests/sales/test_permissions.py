"""The sales app's share of the role table (seed §三.1, §三.2(1)(3))."""

from __future__ import annotations

from tests.personas import PERSONAS, World
from wangge.core import permissions
from wangge.core.permissions import can
from wangge.sales.permissions import Action as S

_SELL: set[str] = {S.VIEW, S.CREATE, S.WORK, S.RESPOND, S.VISIT}
EXPECTED: dict[str, set[str]] = {
    "market_admin": set(S),
    "manager_a": set(S),
    "account_a": {*_SELL, S.PROMOTE},
    "sales_b": {*_SELL, S.PROMOTE},
    # Passes on the needs met at installs, looks after material; does not sell.
    "tech_a": {S.VIEW, S.CREATE, S.PROMOTE},
    # Sells for themselves; no dispatching, no team views, no material.
    "agent_a": _SELL,
}


def test_sales_roles_follow_the_seeds_duties(world: World) -> None:
    ours = {code for code, d in permissions.actions().items() if d.app == "sales"}
    assert ours == set(S)
    wrong = []
    for persona in PERSONAS:
        held = {a for a in ours if can(world.user(persona), a)}
        if held != EXPECTED[persona]:
            want = EXPECTED[persona]
            wrong.append(f"{persona}: extra {sorted(held - want)}, missing {sorted(want - held)}")
    assert not wrong, "\n".join(wrong)
