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


# --- Korean particles ---------------------------------------------------------------------
# 이/가, 을/를, 은/는, 과/와 follow whether the word before ends in a consonant; (으)로 also
# takes 로 after ㄹ. Digits and Latin letters are judged by how Koreans read them aloud.

_DIGIT_ENDS = "ㅇㄹ-ㅁ--ㄱㄹㄹ-"  # 영 일 이 삼 사 오 육 칠 팔 구: "-" ends in a vowel
_ZEROS_ENDS = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ", 8: "ㄱ", 12: ""}  # 십 백 천 만 억 조
_LETTER_ENDS = {"L": "ㄹ", "M": "ㅁ", "N": "ㄴ", "R": "ㄹ"}  # 엘 엠 엔 알; 에이, 비, 씨... open
_WORD_ENDS = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ"}  # mail → 메일, team → 팀; others read open
_JONG_RIEUL = 8


def _final_sound(word: str) -> str | None:
    """The last sound of `word`: "" (a vowel), "ㄹ", another consonant, or None (unknown)."""
    text = word.rstrip(" \t'\"`’”)]}>.,;:!?")
    if not text:
        return None
    last = text[-1]
    if "가" <= last <= "힣":
        jong = (ord(last) - ord("가")) % 28
        return "" if jong == 0 else ("ㄹ" if jong == _JONG_RIEUL else "ㅇ")
    if last.isdigit() and last.isascii():
        digits = "".join(c for c in text if c.isascii() and c.isdigit()) or "0"
        zeros = len(digits) - len(digits.rstrip("0"))
        if zeros == len(digits):
            return "ㅇ"  # 영
        if zeros:
            return _ZEROS_ENDS.get(zeros if zeros < 8 else 8 if zeros < 12 else 12, "ㄴ")
        return _DIGIT_ENDS[int(last)].replace("-", "")
    if last.isascii() and last.isalpha():
        if last.isupper() or len(text) == 1 or not text[-2:-1].isalpha():
            return _LETTER_ENDS.get(last.upper(), "")
        return _WORD_ENDS.get(last, "")
    return None


def particle(word: str, pair: str) -> str:
    """`word` followed by the right one of a particle pair such as "을/를", "이/가", "은/는",
    "과/와" or "으로/로" (the form after a consonant first). Where the word's last sound
    cannot be told, both are written the usual way: 을(를)."""
    after_consonant, after_vowel = pair.split("/")
    sound = _final_sound(word)
    if sound is None:
        return f"{word}{after_consonant}({after_vowel})"
    if after_consonant == "으로":
        return word + ("로" if sound in ("", "ㄹ") else "으로")
    return word + (after_consonant if sound else after_vowel)
