"""Detectors for secrets: passwords written out, API keys and tokens with well-known
prefixes, private key blocks, and long random strings next to a word like token or 키.

Only the value is the finding (`비밀번호: ********` keeps its label), and a key keeps its
prefix and last four characters so that its owner knows which one it was."""

from __future__ import annotations

import re
from collections.abc import Iterator

from supportcli.pii.finding import Finding
from supportcli.pii.validators import char_classes, entropy

# Each pattern starts with a literal per branch, so the engine skips to the next p, P, 비,
# 패 or 암 in C; the value is read from where the word ends.
_PASSWORD_WORD = re.compile(
    r"p(?:assword|asswd|wd|w)|P(?:assword|ASSWORD|asswd|WD|W|w|wd)|비(?:밀\s?번호|번)|패스워드|암호"
)
# Printable ASCII and accented Latin letters: a password; Hangul after it is a particle.
_PASSWORD_VALUE = re.compile(
    r"(?P<sep>[ \t]*(?:[:=]|[ \t]is[ \t]|은|는|란)?[ \t]*)(?P<value>[!-~\u00c0-\u024f]{4,64})"
)
_TRAILING = ".,;:?)]}>'\"`"  # not "!": many passwords end with one
_CODE = re.compile(r"[A-Za-z_][\w.]*[(\[]")  # secrets.token_urlsafe(18), Callable[...]
# The password in a URL's user part: postgresql://support:pw@host/db
_USERINFO = re.compile(r"://[^\s:/@]+:(?P<value>[^\s:/@]{1,64})@")


def _password_like(value: str, sep: str) -> bool:
    """ "password reset", "비밀번호 60.6 ms", "the password is done?", code such as
    `password.encode()` or `password = self.password`: not passwords. After a colon or
    "=", a value with a digit (or upper case, lower case and signs); after a space or
    "is", letters and digits both; glued to the word, nothing."""
    if not sep or _CODE.match(value):
        return False
    digit = any(c.isdigit() for c in value)
    if ":" not in sep and "=" not in sep:
        return digit and any(c.isalpha() for c in value)
    classes = char_classes(value)
    return (digit and classes >= 2) or (len(value) >= 8 and classes >= 3)


def _random_looking(value: str) -> bool:
    """A long word, a dotted name (keyring.backends.SecretService) or a path is not a
    secret; 20 random letters and digits almost always hold a digit."""
    if value[0] in "/.~" or not any(c.isdigit() for c in value):
        return False
    return char_classes(value) >= 2 and entropy(value) >= 3.5


def _inside_word(text: str, word: re.Match[str]) -> bool:
    """The secret-like word is part of another word: "monkey", "keyring", or a run of
    base64; camelCase (accessToken) and snake_case (client_secret) still count."""
    before = text[word.start() - 1] if word.start() else " "
    after = text[word.end()] if word.end() < len(text) else " "
    if not word[0].isascii():
        return False
    camel = word[0].isupper() and before.islower()
    if (before.isascii() and before.isalnum() and not camel) or before in "+/":
        return True
    return after.isascii() and after.isalnum() and after != "s"


def _letter_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalpha()


def passwords(text: str) -> Iterator[Finding]:
    for word in _PASSWORD_WORD.finditer(text):
        if word[0].isascii() and (
            _letter_at(text, word.start() - 1) or _letter_at(text, word.end())
        ):
            continue  # "upward", "pwned"
        m = _PASSWORD_VALUE.match(text, word.end())
        if m is None:
            continue
        start, end = m.span("value")
        value = m["value"]
        while value and value[-1] in _TRAILING:  # the sentence's full stop, a closing quote
            value, end = value[:-1], end - 1
        while value and value[0] in "'\"`(":
            value, start = value[1:], start + 1
        explicit = any(c in m["sep"] for c in ":=")
        if "=" in m["sep"] and "&" in value:  # pw=...&user=...: a query string's field
            value = value[: value.index("&")]
            end = start + len(value)
        if len(value) < 4 or not _password_like(value, m["sep"]):
            continue
        yield Finding("password", start, end, "********", 0.9 if explicit else 0.75)
    for m in _USERINFO.finditer(text):
        yield Finding("password", m.start("value"), m.end("value"), "********", 0.9)


# Keys by their prefix. Each pattern starts with a literal, which the regex engine finds
# much faster than a character class (memchr on ASCII text): these eight passes cost less
# than one pass stopping at every "-" and "_".
_KEYS = tuple(
    re.compile(pattern)
    for pattern in (
        r"sk-(?:proj-|ant-(?:api\d\d-)?|live-|test-|svcacct-)?[A-Za-z0-9_\-]{20,}",
        r"k_(?:live|test)_[A-Za-z0-9]{16,}",  # sk_, rk_, pk_: the letter is checked below
        r"gh[pousr]_[A-Za-z0-9]{30,}",
        r"github_pat_[A-Za-z0-9_]{40,}",
        r"xox[abposr]-[A-Za-z0-9\-]{10,}",
        r"glpat-[A-Za-z0-9_\-]{20,}",
        r"A(?:KIA|SIA)[A-Z0-9]{16}|AIza[A-Za-z0-9_\-]{35}",
        r"eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{10,}",
    )
)
_KEY_CHAR = re.compile(r"[A-Za-z0-9_\-]")
_PROVIDER = re.compile(
    r"sk-(?:proj-|ant-(?:api\d\d-)?|live-|test-|svcacct-)?|[srp]k_(?:live|test)_|gh[pousr]_"
    r"|github_pat_|xox[abposr]-|glpat-|A(?:KIA|SIA|Iza)|eyJ"
)


def api_keys(text: str) -> Iterator[Finding]:
    for pattern in _KEYS:
        for m in pattern.finditer(text):
            start = m.start()
            if m[0].startswith("k_"):
                if not start or text[start - 1] not in "srp":
                    continue
                start -= 1
            yield from _key(text, start, m.end())


def _key(text: str, start: int, end: int) -> Iterator[Finding]:
    if start < 0 or (start and _KEY_CHAR.match(text, start - 1)) or _KEY_CHAR.match(text, end):
        return  # inside a longer word: "task-...", an identifier that merely contains one
    provider = _PROVIDER.match(text, start)
    prefix = provider[0] if provider else ""
    body = text[start + len(prefix) : end]
    if char_classes(body) < 2:  # "sk-aaaaaaaaaaaaaaaaaaaa", a kebab-case name
        return
    yield Finding("api_key", start, end, f"{prefix}****{text[end - 4 : end]}", 0.97)


_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ ){0,4})PRIVATE KEY-----")
_END = re.compile(r"-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY-----")
_BODY = re.compile(r"(?:\r?\n(?:[ \t]*[A-Za-z0-9+/=:,\-]*[ \t]*\r?\n)*+[A-Za-z0-9+/=]*)?")


def private_keys(text: str) -> Iterator[Finding]:
    at = 0
    end: re.Match[str] | None = None
    no_end_after = len(text) + 1  # where a search for an END line last found none
    while (begin := _BEGIN.search(text, at)) is not None:
        if begin.end() < no_end_after and (end is None or end.start() < begin.end()):
            end = _END.search(text, begin.end())  # each stretch of text searched once
            if end is None:
                no_end_after = begin.end()
        # A block without its END line (cut when pasted) is still a key: up to where
        # its base64 lines stop. Possessive, so a run of BEGIN lines stays linear.
        if end is not None and end.start() >= begin.end():
            stop = end.end()
        else:
            body = _BODY.match(text, begin.end())  # always matches (all optional)
            stop = body.end() if body else begin.end()
        at = stop
        if text[begin.end() : stop].strip().startswith("****"):
            continue  # a block mask() wrote: already masked
        label = begin[1]
        shown = f"-----BEGIN {label}PRIVATE KEY-----\n****\n-----END {label}PRIVATE KEY-----"
        yield Finding("private_key", begin.start(), stop, shown, 0.99)


_SECRET_WORD = re.compile(
    r"t(?:oken)|T(?:oken|OKEN)|s(?:ecret)|S(?:ecret|ECRET)|k(?:ey)|K(?:ey|EY)"
    r"|c(?:redential)|C(?:redential|REDENTIAL)|b(?:earer)|B(?:earer|EARER)|토큰|시크릿|키"
)
# After the word: more of an identifier (SECRET_KEY, tokens), 값, quotes, a colon or a
# particle, then the value.
_SECRET_VALUE = re.compile(
    r"(?:[_\-][A-Za-z_\-]{0,20}|s)?(?:\s*값)?['\"]?"
    r"[ \t]*(?:[:=]|은|는|이|가|[ \t]is[ \t]|[ \t]was[ \t])?"
    r"[ \t]*[:=]?[ \t]*['\"(]?(?P<value>[A-Za-z0-9+/_\-=~.]{20,})"
)


def secrets(text: str) -> Iterator[Finding]:
    at = 0
    for word in _SECRET_WORD.finditer(text):
        if word.start() < at or _inside_word(text, word):
            continue  # "monkey", base64 text; or the value of the previous finding
        m = _SECRET_VALUE.match(text, word.end())
        if m is None:
            continue
        start = m.start("value")
        value = m["value"].rstrip(".")
        if len(value) < 20 or not _random_looking(value):
            continue
        at = start + len(value)
        yield Finding("secret", start, at, "****" + value[-4:], 0.8)
