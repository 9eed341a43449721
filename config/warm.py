"""What a server process does once, after Django is set up and before its first request.

The collector's full collection walks every tracked object that is not frozen. A process
that froze only what `django.setup()` loads (131,000 objects) still built another 105,000
at its first requests: the URL tree imports every app's views and API, and the API's
schemas are built as it is imported. Walking them cost 60–85 ms in every twelfth request
of a search page at 1M customers (`bench/pages.py`: the single slow requests of its
tables, on SQLite and PostgreSQL alike). Loaded first and frozen with the rest, they are
never walked again: the request's own garbage is what a collection then reads.
"""

from __future__ import annotations

import gc
from typing import Any

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def _load(resolver: Any) -> None:
    for pattern in resolver.url_patterns:  # a resolver's patterns import its module
        if hasattr(pattern, "url_patterns"):
            _load(pattern)


def settle() -> None:
    """Load the whole URL tree (and the index `reverse()` reads), then move everything loaded
    out of the collector's reach."""
    resolver = get_resolver()
    _load(resolver)
    for code, _name in settings.LANGUAGES:  # one index per language, built on first use
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018
    gc.collect()
    gc.freeze()
