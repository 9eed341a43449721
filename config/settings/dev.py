"""Local development and `make demo`: DEBUG on and a fixed, non-secret key unless overridden."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-0123456789-abcdefghijklmnop")

from config.settings.base import *  # noqa: F403

# The default SQLite file lives in var/, which a fresh clone does not have yet.
DATA_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
