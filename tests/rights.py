"""Helpers for tests that change the role table for one test."""

from __future__ import annotations

import pytest

from wangge.core import permissions


def without_action(monkeypatch: pytest.MonkeyPatch, role: str, action: str) -> None:
    """Take `action` away from `role` until the test ends."""
    table = permissions._roles
    monkeypatch.setitem(table, role, table[role] - {action})
