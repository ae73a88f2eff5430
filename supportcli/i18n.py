"""Translations: English is the source language; one gettext catalog per other language
(supportcli/locale/<lang>/LC_MESSAGES/support.mo), chosen once per process.

Mark every user-facing string with `_()` (or `ngettext()` for counts, `N_()` where the
string must be translated later, at use); `tr()` translates, fills the named
placeholders and makes Korean particles agree with what was filled in. Commands, option
names, JSON keys and status values inside JSON are never translated. docs/i18n.md has
the glossary, the style and the catalog commands.

Only the standard library's gettext is used at run time (Babel is a tool for the
catalog, never imported here), so the language costs `support --help` next to nothing."""

from __future__ import annotations

import gettext as _gettext
import os
import re
from functools import cache
from pathlib import Path

DOMAIN = "support"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ko")
SETTING = "ui.language"
CHOICES = ("auto", *LANGUAGES)


@cache
def language() -> str:
    """The interface's language, looked up once per process: the ui.language setting
    (SUPPORT_LANG over config.toml, as for every setting), then the POSIX order LC_ALL,
    LC_MESSAGES, LANG, LANGUAGE; English where nothing says Korean. "auto" (or nothing)
    hands over to the next."""
    for chosen in (os.environ.get("SUPPORT_LANG", ""), _configured()):
        chosen = chosen.strip().lower()
        if chosen in LANGUAGES:
            return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def _configured() -> str:
    """ui.language from config.toml, read without the settings machinery (config.py
    brings keyring and address checks): most files do not mention it, and those are not
    parsed at all. A file that cannot be read says nothing here; `config show` reports it."""
    # Imported here: paths only when a language is looked up (once per process).
    from supportcli import locations as paths

    try:
        data = paths.config_file().read_bytes()
    except (OSError, ValueError):
        return ""
    if b"language" not in data:
        return ""
    import tomllib  # only for a file that may hold the setting

    try:
        value = tomllib.loads(data.decode("utf-8")).get("ui", {}).get("language", "")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


@cache
def translation() -> _gettext.NullTranslations:
    lang = language()
    if lang == "en":
        return _gettext.NullTranslations()
    return _marshalled(lang) or _gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)


def _marshalled(lang: str) -> _gettext.GNUTranslations | None:
    """The catalog as catalog.py marshalled it beside the .mo (support.marshal): the same
    dict gettext builds from the .mo, without parsing 700 messages at every start. None
    (then the .mo) when it is missing or unreadable."""
    import marshal  # only in Korean (English needs no catalog)

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.marshal"
    try:
        data = marshal.loads(path.read_bytes())
        loaded = _gettext.GNUTranslations()
        loaded._catalog = dict(data["catalog"])  # type: ignore[attr-defined]
        loaded.plural = _gettext.c2py(data["plural"])  # type: ignore[attr-defined]
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None
    return loaded


def reset() -> None:
    """Look the language up again at the next message (tests switch it in one process)."""
    language.cache_clear()
    translation.cache_clear()


def _(message: str) -> str:
    return translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short word whose meaning depends on where it stands: `pgettext("status", "sent")`."""
    return translation().pgettext(context, message)


def N_(message: str) -> str:
    """Marks `message` for the catalog without translating it now."""
    return message


def NP_(context: str, message: str) -> str:
    """`N_` for a word with a context, translated at use with `pgettext(context, word)`."""
    return message


def tr(message: str, /, **values: object) -> str:
    """`message` translated, its {named} placeholders filled, and any Korean particle
    written as 을(를), 이(가), 은(는), 과(와) or (으)로 made to agree with the word before
    it: `tr("Sent inquiry #{id}.", id=12)` -> "문의 #12를 보냈습니다." """
    text = _(message)
    return particles(text.format(**values) if values else text)


def ntr(singular: str, plural: str, n: int, /, **values: object) -> str:
    """`tr` for a count: `ntr("{n} inquiry", "{n} inquiries", n, n=n)`."""
    return particles(ngettext(singular, plural, n).format(**values))


# --- Korean particles --------------------------------------------------------------------

# Each pair: (after a final consonant, after a vowel). 로 also follows a final ㄹ.
_PAIRS = {"을(를)": ("을", "를"), "이(가)": ("이", "가"), "은(는)": ("은", "는"),
          "과(와)": ("과", "와"), "(으)로": ("으로", "로")}  # fmt: skip
_PARTICLE = re.compile("|".join(re.escape(p) for p in _PAIRS))
# How digits and Latin letters are read aloud in Korean, as their last sound: "" for a
# vowel, "ㄹ" for a final ㄹ, "*" for any other final consonant. 0 영, 1 일, 3 삼, 6 육,
# 7 칠, 8 팔; L 엘, M 엠, N 엔, R 알 (the other letters end in a vowel: 에이, 비, 씨...).
_DIGIT_END = {"0": "*", "1": "ㄹ", "3": "*", "6": "*", "7": "ㄹ", "8": "ㄹ"}
_LETTER_END = {"l": "ㄹ", "m": "*", "n": "*", "r": "ㄹ"}
# Round numbers end in their unit: 10 십, 100 백, 1000 천, 10000 만 (all consonants).
# An English word is read by its spelling's end: -l as ㄹ (mail 메일), -m/-n/-ng/-k/-p/-t
# and -b/-d/-g with a final consonant (team 팀, login 로그인, chat 챗); others a vowel.
_WORD_END = {"l": "ㄹ", "m": "*", "n": "*", "g": "*", "k": "*", "p": "*", "t": "*", "b": "*"}


def final_sound(word: str) -> str | None:
    """The last sound of `word` as Korean reads it: "" (a vowel), "ㄹ", "*" (another final
    consonant), or None when there is no syllable, digit or letter to judge by."""
    text = word.rstrip()
    end = len(text)
    while end and not text[end - 1].isalnum():  # closing quotes, brackets, dots
        end -= 1
    if not end:
        return None
    last = text[end - 1]
    if "가" <= last <= "힣":
        batchim = (ord(last) - 0xAC00) % 28
        return "" if batchim == 0 else "ㄹ" if batchim == 8 else "*"
    if last.isdigit():
        start = end
        while start and text[start - 1].isdigit():
            start -= 1
        number = text[start:end].lstrip("0") or "0"
        if number != "0" and number.endswith("0"):
            return "*"  # 십, 백, 천, 만
        return _DIGIT_END.get(number[-1], "")
    if last.isascii() and last.isalpha():
        start = end
        while start and text[start - 1].isascii() and text[start - 1].isalpha():
            start -= 1
        token = text[start:end]
        if len(token) == 1 or token.isupper():  # a letter or an acronym: SMTP 에스엠티피
            return _LETTER_END.get(last.lower(), "")
        return _WORD_END.get(last.lower(), "")
    return None  # a character Korean reads some other way: keep both forms


def particles(text: str) -> str:
    """Every 을(를), 이(가), 은(는), 과(와) and (으)로 in `text` made to agree with the
    word before it; kept as written where that word cannot be judged."""
    if "(" not in text:
        return text

    def agree(match: re.Match[str]) -> str:
        sound = final_sound(match.string[: match.start()])
        if sound is None:
            return match.group()
        consonant, vowel = _PAIRS[match.group()]
        if match.group() == "(으)로" and sound == "ㄹ":
            return vowel
        return consonant if sound else vowel

    return _PARTICLE.sub(agree, text)
