"""Translations: English is the source language; one gettext catalog per other language
(supportcli/locale/<lang>/LC_MESSAGES/support.mo), chosen once per process.

Mark every user-facing string with `_()` (or `ngettext()` for counts, `N_()` where the
string must be translated later, at use). Commands, option names, JSON keys and status
values inside JSON are never translated."""

from __future__ import annotations

import gettext as _gettext
import os
from functools import cache
from pathlib import Path

DOMAIN = "support"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ko")


def language() -> str:
    """The interface's language: SUPPORT_LANG, then the POSIX order LC_ALL, LC_MESSAGES,
    LANG, LANGUAGE; English where nothing says Korean."""
    chosen = os.environ.get("SUPPORT_LANG", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


@cache
def translation() -> _gettext.NullTranslations:
    lang = language()
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)


def _(message: str) -> str:
    return translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks `message` for the catalog without translating it now."""
    return message
