"""Detectors for personal numbers: resident and foreign resident numbers, cards, phones,
bank accounts, passports and driver's licences.

Each reads the folded text (ASCII digits, see text.py) and yields findings. No `\\b`:
Python counts Hangul as word characters, so `\\b` would hide `900101-1234567이고`; the
edges are "no digit (or digit and separator) on either side" instead, so a number glued
to a particle is found and a piece of a longer number is not."""

from __future__ import annotations

import re
from collections.abc import Iterator

from supportcli.pii.finding import Finding
from supportcli.pii.text import in_url, labelled, other_label
from supportcli.pii.validators import birth_date, luhn, resident_checksum

# Not preceded by a digit, nor by a digit and a separator (so not the tail of a longer
# grouped number); not followed by either. The look-behinds come after the first digit:
# a pattern that starts with a plain character class lets the regex engine skip to the
# next digit in C instead of trying every position (a 1 MB body: a few ms, not 30).
# Every pattern is ASCII-only: \d is [0-9], never another script's digits.
_START = r"[0-9](?<![0-9].)(?<![0-9][.-].)"
_END = r"(?![0-9])(?![.-][0-9])"

# Where numbers are: runs of six or more digits (single separators allowed). Each number
# detector reads only these runs and the words just around them.
_RUN = re.compile(r"[0-9](?:[ .\-]?[0-9]){5,}", re.ASCII)
_BEFORE, _AFTER = 48, 24  # context words sit within 40 characters; " - " splits a number

Windows = list[tuple[int, int]]


def windows(text: str) -> Windows:
    """The merged spans around every run of six or more digits."""
    spans: Windows = []
    for m in _RUN.finditer(text):
        start, end = max(0, m.start() - _BEFORE), min(len(text), m.end() + _AFTER)
        while end < len(text) and "0" <= text[end] <= "9":  # never cut a number in two
            end += 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _matches(pattern: re.Pattern[str], text: str, spans: Windows) -> Iterator[re.Match[str]]:
    for start, end in spans:
        yield from pattern.finditer(text, start, end)


_RESIDENT = re.compile(_START + r"(\d{5})(?:[ ]?[-.][ ]?|[ ]{1,2})?([1-8])(\d{6})" + _END, re.ASCII)


def residents(text: str, spans: Windows) -> Iterator[Finding]:
    """Whatever the label before it: a valid birth date and a gender digit make an order
    number that looks like one rare, and a missed resident number is the worse mistake."""
    for m in _matches(_RESIDENT, text, spans):
        front, gender, back = m[0][0] + m[1], m[2], m[3]
        if birth_date(front, gender) is None or in_url(text, m.start()):
            continue
        kind = "frn" if gender in "5678" else "rrn"
        sure = resident_checksum(front + gender + back)
        yield Finding(kind, m.start(), m.end(), f"{front}-{gender}******", 0.95 if sure else 0.8)


_CARD = re.compile(
    _START
    + r"(?:\d{3}(?P<s>[ .-]?)\d{4}(?P=s)\d{4}(?P=s)\d{1,4}(?P<tail>(?P=s)\d{1,3})?"
    + r"|\d{3}(?P<t>[ .-]?)\d{6}(?P=t)\d{4,5})"
    + _END,
    re.ASCII,
)
_CARD_WORDS = re.compile(r"카드|card|visa|master|amex|결제|신용|체크|credit|debit")


def cards(text: str, spans: Windows) -> Iterator[Finding]:
    for m in _matches(_CARD, text, spans):
        end = m.end()
        number = _digits(m[0])
        if not luhn(number) and m["tail"]:  # "4111 1111 1111 1111 12/27": the expiry
            end = m.start("tail")
            number = _digits(text[m.start() : end])
        # Issuers' numbers start with 2-6 (international brands) or 9 (Korean domestic)
        if not 13 <= len(number) <= 19 or number[0] not in "234569" or not luhn(number):
            continue
        if in_url(text, m.start()):
            continue
        sure = labelled(text, m.start(), _CARD_WORDS)
        if not sure and other_label(text, m.start()):
            continue
        yield Finding(
            "card", m.start(), end, "**** **** **** " + number[-4:], 0.97 if sure else 0.9
        )


_AREA = r"1[016789]|2|[3-6][1-5]|70"
_PHONE = re.compile(
    r"(?<![A-Za-z0-9_+])(?<![0-9][.-])(?<![A-Za-z]-)"  # not SKU-010-..., Tel.010 is fine
    + r"(?:(?P<intl>(?:\+|00)82[ .-]?(?:\(0\)[ ]?)?)(?P<a1>"
    + _AREA
    + r")|\(?0(?P<a2>"
    + _AREA
    + r"|50[2-8])\)?)"
    + r"[ .-]?(?P<mid>\d{3,4})[ .-]?(?P<last>\d{4})"
    + _END,
    re.ASCII,
)


def phones(text: str, spans: Windows) -> Iterator[Finding]:
    for m in _matches(_PHONE, text, spans):
        area = m["a1"] or m["a2"]
        if not area.startswith("1") and m["mid"][0] == "0":  # no local number starts with 0
            continue
        if in_url(text, m.start()) or other_label(text, m.start(), 16):
            continue
        shown = f"+82 {area}" if m["intl"] else f"0{area}"
        yield Finding("phone", m.start(), m.end(), f"{shown}-****-{m['last']}", 0.9)


_ACCOUNT = re.compile(_START + r"(?:\d{1,5}(?:[- ]\d{2,7}){1,3}|\d{9,13})" + _END, re.ASCII)
_ACCOUNT_WORDS = re.compile(
    r"계좌|입금|송금|이체|예금주|은행|뱅크|국민|신한|농협|수협|신협|우체국|새마을|씨티|sc제일|"
    r"(?<![a-z])(?:account|acct|bank|iban|a/c)(?![a-z])"
)


# "2026-11-26 13:24" after "account · resolved" is a date and a time, not an account
_DATED = re.compile(
    r"(?:19|20)\d\d[-. ](?:0[1-9]|1[0-2])[-. ](?:0[1-9]|[12]\d|3[01])(?!\d)", re.ASCII
)


def accounts(text: str, spans: Windows) -> Iterator[Finding]:
    for m in _matches(_ACCOUNT, text, spans):
        number = _digits(m[0])
        if not 10 <= len(number) <= 14 or in_url(text, m.start()) or _DATED.match(m[0]):
            continue
        # the bank's name or the word "account" just before, or the bank's name just after
        after = text[m.end() : m.end() + 16].lower()
        if labelled(text, m.start(), _ACCOUNT_WORDS, 40) or (
            _ACCOUNT_WORDS.search(after) and not other_label(text, m.start())
        ):
            yield Finding("account", m.start(), m.end(), _mask_account(m[0]), 0.85)


def _mask_account(shown: str) -> str:
    """Every digit but the last four starred, the grouping kept: `***-****-1234`."""
    keep = len(shown)
    seen = 0
    for i in range(len(shown) - 1, -1, -1):
        if shown[i].isdigit():
            seen += 1
            if seen == 4:
                keep = i
                break
    return re.sub(r"\d", "*", shown[:keep]) + shown[keep:]


_PASSPORT = re.compile(
    r"(?<![A-Za-z0-9])[MSRGDT](?:\d{8}|\d{3}[A-Z]\d{4})(?![A-Za-z0-9])", re.ASCII
)
_PASSPORT_WORDS = ("여권", "passport", "Passport", "PASSPORT")


def passports(text: str) -> Iterator[Finding]:
    """A passport number within 40 characters after the word 여권 or passport: alone,
    `M12345678` could be anything (a model, a member number)."""
    at = 0
    for word_end in sorted(_ends(text, _PASSPORT_WORDS)):
        for m in _PASSPORT.finditer(text, max(at, word_end), word_end + 40):
            if other_label(text, m.start()):
                continue
            at = m.end()
            value = m[0]
            yield Finding("passport", m.start(), m.end(), value[0] + "*****" + value[-3:], 0.9)


# Region 11-28 (서울 11 ... 경기북부 28), year, serial, check: 11-22-123456-78
_LICENCE = re.compile(
    _START + r"[0-9](?<=1[1-9]|2[0-8])(?P<s>[ -]?)(\d{2})(?P=s)(\d{6})(?P=s)(\d{2})" + _END,
    re.ASCII,
)
_LICENCE_WORDS = re.compile(r"면허|licen[cs]e|driver|driving")


def licences(text: str, spans: Windows) -> Iterator[Finding]:
    for m in _matches(_LICENCE, text, spans):
        sure = labelled(text, m.start(), _LICENCE_WORDS, 40)
        if (m["s"] != "-" and not sure) or in_url(text, m.start()):
            continue
        if not sure and other_label(text, m.start()):
            continue
        yield Finding(
            "driver_license",
            m.start(),
            m.end(),
            f"{m[0][:2]}-**-******-{m[4]}",
            0.95 if sure else 0.8,
        )


def _ends(text: str, words: tuple[str, ...]) -> Iterator[int]:
    """Where each of `words` ends in `text` (str.find: faster than a regex of words)."""
    for word in words:
        at = text.find(word)
        while at >= 0:
            yield at + len(word)
            at = text.find(word, at + 1)


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)
