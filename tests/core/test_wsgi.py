"""The production entry point."""

from __future__ import annotations

import gc
import importlib


def test_the_loaded_application_is_kept_out_of_the_collectors_walk() -> None:
    gc.unfreeze()
    module = importlib.import_module("config.wsgi")
    importlib.reload(module)
    try:
        assert callable(module.application)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
