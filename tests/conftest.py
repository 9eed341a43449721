from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.personas import World, build_world


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request with an English session makes
    LocaleMiddleware activate English for the thread, and it would stay for the next test."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def world(db: None) -> World:
    return build_world()
