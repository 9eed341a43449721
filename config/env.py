"""Settings read from the environment, failing loudly on values we cannot use.

A typo in production configuration must stop the process at start-up, not surface
later as a confusing runtime error, so every reader here raises ImproperlyConfigured.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={raw!r} is not a boolean "
        "(use 1/0, true/false, yes/no, on/off)."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if not all(items):
        raise ImproperlyConfigured(
            f"Environment variable {name}={raw!r} has an empty item; separate values with commas."
        )
    return items


def env_secret_key(name: str, default: str | None) -> str:
    value = env_str(name, default)
    if len(value) < 32 or len(set(value)) < 5:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be at least 32 characters with 5 distinct ones."
        )
    return value


def parse_database_url(url: str, base_dir: Path) -> dict[str, Any]:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as in dj-database-url.
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no SQLite file.")
        name = path if path == ":memory:" else str((base_dir / path).resolve())
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                # mmap: pages are read from the operating system's cache in place, shared by
                # every process and kept between connections (Django opens one per request
                # here), instead of copied into each connection's 2 MB page cache; at 1M
                # customers a list page's CPU fell by a sixth to a third. 2 GiB is SQLite's
                # default ceiling (address space, not memory).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                    " PRAGMA mmap_size=2147418112;"
                ),
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no database.")
        try:
            port = parts.port
        except ValueError as exc:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} has a bad port.") from exc
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL {url!r} is not understood: use sqlite:///FILE or postgres://USER:PASS@HOST:PORT/NAME."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Environment variable {name}={raw!r} is not an integer."
        ) from exc


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    value = os.environ.get(name, default)
    allowed = sorted(choices)
    if value not in allowed:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} must be one of {', '.join(allowed)}."
        )
    return value


def env_tile_url(name: str) -> str:
    """A map tile URL template (`https://…/{z}/{x}/{y}…`, `{s}` for a subdomain), or "" (off)."""
    url = os.environ.get(name, "").strip()
    if not url:
        return ""
    missing = [part for part in ("{x}", "{y}", "{z}") if part not in url]
    if not url.startswith(("https://", "http://")) or missing:
        raise ImproperlyConfigured(
            f"Environment variable {name}={url!r} is not a tile URL template: it must start "
            "with https:// (or http://) and hold {x}, {y} and {z}."
        )
    return url


def tile_origin(url: str) -> str:
    """The Content-Security-Policy source that admits a tile template's images: its scheme and
    host, a `{s}` subdomain label widened to `*` (CSP allows a wildcard label only leftmost)."""
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0].split("?", 1)[0]
    labels = host.split(".")
    if any("{" in label for label in labels):
        first = max(i for i, label in enumerate(labels) if "{" in label)
        host = ".".join(["*", *labels[first + 1 :]])
    return f"{scheme}://{host}"
