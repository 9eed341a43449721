"""Test settings: fast hashing, a SQLite file unless DATABASE_URL says otherwise."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-0123456789-abcdefghijklmno")
os.environ.setdefault("DATABASE_URL", "sqlite:///var/test.sqlite3")
os.environ.setdefault("WANGGE_TASKS", "immediate")

from config.env import env_int
from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "zh-hans"
# django-axes counts failed logins in the database and wants a request in authenticate();
# tests that are about login throttling turn it on (tests/org/test_login_throttle.py).
AXES_ENABLED = False

DATA_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405

#: Runs the whole suite with the clock this many days ahead of the wall clock (CI's
#: PostgreSQL pass uses 400), so a test that silently depends on the day it was written fails
#: in CI rather than a week after it lands. `tests/conftest.py` applies it with time-machine.
WANGGE_TEST_CLOCK_SHIFT_DAYS = env_int("WANGGE_TEST_CLOCK_SHIFT_DAYS", 0)
