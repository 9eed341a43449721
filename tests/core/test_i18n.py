"""The English catalogue is complete and its compiled form matches the source."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def _entries(po: str) -> list[dict[str, str]]:
    """A minimal .po reader: enough to find untranslated and fuzzy entries."""
    entries = []
    for block in po.split("\n\n"):
        fields: dict[str, str] = {"flags": ""}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                fields["flags"] += line
            m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if m:
                key = m.group(1)
                fields[key] = m.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            entries.append(fields)
    return entries


def test_every_english_message_is_translated_and_none_is_fuzzy() -> None:
    entries = _entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    assert entries
    untranslated = [
        e["msgid"] for e in entries if not any(v for k, v in e.items() if k.startswith("msgstr"))
    ]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_holds_every_source_message() -> None:
    entries = _entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    with (LOCALE / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for e in entries:
        msgid = e["msgid"].encode().decode("unicode_escape").encode("latin-1").decode()
        if "msgctxt" in e or "msgid_plural" in e:
            continue
        msgstr = e["msgstr"].encode().decode("unicode_escape").encode("latin-1").decode()
        if compiled.gettext(msgid) != msgstr:
            stale.append(msgid)
    assert stale == [], "run `make messages`"


@pytest.mark.django_db
def test_chinese_is_the_default_and_english_can_be_chosen() -> None:
    client = Client()
    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "用户名" not in page


def test_time_zone_and_language_defaults() -> None:
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("en"):
        assert translation.gettext("网格") != "网格"
