"""Personal data in what a customer is about to send: find it, show it masked, mask it.

The interface the rest of the program uses (issue 19):

* `scan(text)` returns the findings in `text`, in order of position, never overlapping;
* each `Finding` has a `kind` (one of `KINDS`), the span `start:end` in `text`, the
  `masked` form shown and sent in its place (`900101-1******`, `**** **** **** 1234`,
  `010-****-5678`), and a `confidence` between 0 and 1;
* `mask(text, findings)` replaces each given finding's span by its masked form;
* `label(kind)` is the kind's name for people, in the interface's language.

This first version finds resident registration numbers and Luhn-valid card numbers only;
the detectors for every kind of issue 19 replace its internals behind the same interface."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from supportcli.i18n import N_, _

KINDS: dict[str, str] = {
    "rrn": N_("resident registration number"),
    "card": N_("card number"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int
    masked: str
    confidence: float = 1.0


def label(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind


_RRN = re.compile(r"(?<![0-9])(\d{2})(\d{2})(\d{2})[- ]?([1-8])(\d{6})(?![0-9])")
_CARD = re.compile(r"(?<![0-9])\d(?:[ -]?\d){12,18}(?![0-9])")


def scan(text: str) -> list[Finding]:
    found = [*_rrns(text), *_cards(text)]
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for finding in found:
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


def mask(text: str, findings: Iterable[Finding]) -> str:
    parts: list[str] = []
    at = 0
    for finding in sorted(findings, key=lambda f: f.start):
        parts += [text[at : finding.start], finding.masked]
        at = finding.end
    parts.append(text[at:])
    return "".join(parts)


def _rrns(text: str) -> Iterable[Finding]:
    for match in _RRN.finditer(text):
        month, day = int(match[2]), int(match[3])
        if 1 <= month <= 12 and 1 <= day <= 31:
            shown = f"{match[1]}{match[2]}{match[3]}-{match[4]}******"
            yield Finding("rrn", match.start(), match.end(), shown)


def _cards(text: str) -> Iterable[Finding]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match[0])
        if 13 <= len(digits) <= 19 and _luhn(digits):
            yield Finding("card", match.start(), match.end(), "**** **** **** " + digits[-4:])


def _luhn(digits: Sequence[str]) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0
