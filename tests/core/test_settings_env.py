"""Settings fail loudly on values they cannot use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret_key, parse_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_debug_rejects_non_booleans(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("DEBUG", raw)
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False)


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("Yes", True), ("off", False)])
def test_debug_accepts_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, value: bool
) -> None:
    monkeypatch.setenv("DEBUG", raw)
    assert env_bool("DEBUG", not value) is value


def test_allowed_hosts_rejects_empty_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env_list("ALLOWED_HOSTS", [])
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example, b.example")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]


@pytest.mark.parametrize("raw", ["short", "a" * 50])
def test_weak_secret_keys_are_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SECRET_KEY", raw)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env_secret_key("SECRET_KEY", None)


def test_missing_secret_key_without_default_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_secret_key("SECRET_KEY", None)


def test_integers_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECURE_HSTS_SECONDS", "a year")
    with pytest.raises(ImproperlyConfigured):
        env_int("SECURE_HSTS_SECONDS", 0)


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgres://u@h", "sqlite://", "postgres://u@h:notaport/db"]
)
def test_bad_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url(url, ROOT)


def test_database_urls_are_understood() -> None:
    pg = parse_database_url("postgres://wg:p%40ss@db.local:5433/wangge", ROOT)
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql",
        "wangge",
        "wg",
        "p@ss",
        "db.local",
        "5433",
    )
    lite = parse_database_url("sqlite:///var/x.sqlite3", ROOT)
    assert lite["NAME"] == str(ROOT / "var" / "x.sqlite3")
    assert "journal_mode=WAL" in lite["OPTIONS"]["init_command"]


def _run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wangge", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "k3y-for-the-deploy-check-only-" + "x9Q!z" * 6,
        "ALLOWED_HOSTS": "wangge.example.cn",
        "DATABASE_URL": "sqlite:///var/deploy-check.sqlite3",
    }
    result = _run_deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.prod"}
    result = _run_deploy_check(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_production_server_gives_a_county_export_time_to_finish() -> None:
    """gunicorn's default 30 s kills a 200,000-row export mid-way (a 500): ours waits."""
    import runpy

    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert conf["timeout"] >= 120
    assert conf["bind"] == "127.0.0.1:8000"
