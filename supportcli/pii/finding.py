"""One piece of personal data found in a text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """`kind` is a key of KINDS; `text[start:end]` is what was found; `masked` is shown
    and sent in its place; `confidence` is between 0 and 1 (a check digit that holds,
    or a word like 카드 or 여권 just before, raises it)."""

    kind: str
    start: int
    end: int
    masked: str
    confidence: float = 1.0
