"""Checks that turn a number-shaped match into personal data: dates, check digits, entropy.

Standard library only. python-stdnum is not used: its resident-number check rejects the
numbers issued since October 2020 (their last digit is no longer a check digit), so it
could only ever raise a confidence we already raise with the same arithmetic here."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = (ord(ch) - 48) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def birth_date(yymmdd: str, gender: str, today: date | None = None) -> date | None:
    """The birth date a resident number's first seven digits say, or None if there is
    no such day: 1, 2, 5, 6 are the 1900s, 3, 4, 7, 8 the 2000s (not after today)."""
    century = 1900 if gender in "1256" else 2000
    try:
        born = date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return None
    if born > (today or date.today()):
        return None
    return born


def resident_checksum(digits: str) -> bool:
    """The check digit of numbers issued before October 2020 (residents mod 11, foreign
    residents the same plus 2); a newer number fails it and is still a resident number."""
    total = sum((ord(d) - 48) * w for d, w in zip(digits[:12], _RRN_WEIGHTS, strict=True))
    shift = 13 if digits[6] in "5678" else 11
    return (shift - total % 11) % 10 == ord(digits[12]) - 48


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def char_classes(value: str) -> int:
    """How many of lower case, upper case, digits and other characters `value` uses."""
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )
