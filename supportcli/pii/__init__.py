"""Personal data in what a customer is about to send: find it, show it masked, mask it.

The interface the rest of the program uses (issue 19):

* `scan(text)` returns the findings in `text`, in order of position, never overlapping;
* each `Finding` has a `kind` (one of `KINDS`), the span `start:end` in `text`, the
  `masked` form shown and sent in its place (`900101-1******`, `**** **** **** 1234`,
  `010-****-5678`), and a `confidence` between 0 and 1;
* `mask(text, findings)` replaces each given finding's span by its masked form;
* `label(kind)` is the kind's name for people, in the interface's language.

The detectors live in numbers.py (resident, foreign resident, card, phone, account,
passport and licence numbers) and secrets.py (passwords, API keys, private keys, random
strings next to a secret-like word), with the checks in validators.py (dates, check
digits, entropy); they read a folded copy of the text (text.py: full-width digits as
ASCII, offsets unchanged). Where two findings overlap, the kind
earlier in DETECTORS wins: a JWT is an API key, not a secret; `010-1234-5678` after
"계좌" is a phone number, not an account."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator

from supportcli.i18n import N_, _
from supportcli.pii import numbers, secrets
from supportcli.pii.finding import Finding
from supportcli.pii.text import fold

__all__ = ["KINDS", "Finding", "label", "mask", "scan"]

KINDS: dict[str, str] = {
    "rrn": N_("resident registration number"),
    "frn": N_("foreign resident registration number"),
    "card": N_("card number"),
    "phone": N_("phone number"),
    "account": N_("bank account number"),
    "passport": N_("passport number"),
    "driver_license": N_("driver's licence number"),
    "password": N_("password"),
    "api_key": N_("API key"),
    "private_key": N_("private key"),
    "secret": N_("secret token"),
}

Detector = Callable[..., Iterator[Finding]]

# Most specific first: the order decides overlaps (see the module's docstring). The
# number detectors (True) read only the spans around runs of digits, found once.
DETECTORS: tuple[tuple[Detector, bool], ...] = (
    (secrets.private_keys, False),
    (secrets.api_keys, False),
    (numbers.residents, True),
    (numbers.cards, True),
    (numbers.licences, True),
    (numbers.phones, True),
    (numbers.passports, False),
    (numbers.accounts, True),
    (secrets.passwords, False),
    (secrets.secrets, False),
)


def label(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind


def scan(text: str) -> list[Finding]:
    folded = fold(text)
    spans = numbers.windows(folded)
    starts: list[int] = []
    kept: list[Finding] = []
    for detector, needs_numbers in DETECTORS:
        for finding in detector(folded, spans) if needs_numbers else detector(folded):
            i = bisect.bisect_left(starts, finding.start)
            if (i and kept[i - 1].end > finding.start) or (
                i < len(kept) and kept[i].start < finding.end
            ):
                continue  # overlaps a finding of an earlier (more specific) detector
            starts.insert(i, finding.start)
            kept.insert(i, finding)
    return kept


def mask(text: str, findings: Iterable[Finding]) -> str:
    parts: list[str] = []
    at = 0
    for finding in sorted(findings, key=lambda f: f.start):
        parts += [text[at : finding.start], finding.masked]
        at = finding.end
    parts.append(text[at:])
    return "".join(parts)
