"""The text the detectors read: full-width forms folded to ASCII, offsets unchanged; and
the words around a match that say what a number is.

Folding replaces one character by one character (０ → 0, － → -, the ideographic space
→ space), so a span found in the folded copy is the same span in the original text."""

from __future__ import annotations

import re

_FOLD = {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)}  # ！..～ → !..~
_FOLD.update(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_FOLD.update(dict.fromkeys("\u3000\u00a0\u2007\u202f", " "))
_FOLDABLE = re.compile("[" + re.escape("".join(_FOLD)) + "]")


def fold(text: str) -> str:
    """`text` with full-width letters, digits and signs, dashes and odd spaces as ASCII."""
    if text.isascii() or _FOLDABLE.search(text) is None:  # the common cases: no copy
        return text
    return _FOLDABLE.sub(lambda m: _FOLD[m[0]], text)


# Words that say a number is something else: an order, an invoice, a parcel, a ticket,
# when the number comes right after one ("주문번호 240115-1234567", "order no. 4111...").
_OTHER = re.compile(
    r"(?:주문|송장|운송장|등기|배송|택배|접수|티켓|쿠폰|코드|모델|제품|상품|품번|시리얼|일련|"
    r"사업자|바코드|예약|회원|고객|인보이스|청구서|영수증|거래|승인|"
    r"(?<![a-z])(?:order|invoice|tracking|ticket|coupon|code|model|sku|serial|ref|"
    r"reference|booking|reservation|barcode|receipt|transaction|case|item|product))"
    r"[ \t]*(?:등록)?(?:번호|코드|no\.?|number|num|id|#)?"
    r"[ \t]*(?:는|은|이|가|is|:|=|#)?[ \t]*['\"(]?$"
)


def labelled(text: str, start: int, words: re.Pattern[str], window: int = 30) -> bool:
    """Whether one of `words` occurs in the `window` characters before `start`, and the
    number is not labelled as something else right before it."""
    before = text[max(0, start - window) : start].lower()
    return words.search(before) is not None and _OTHER.search(before) is None


def other_label(text: str, start: int, window: int = 24) -> bool:
    """Whether the number at `start` comes right after a label that names a number that
    is not personal data (an order, a parcel, a coupon...)."""
    return _OTHER.search(text[max(0, start - window) : start].lower()) is not None


_DOMAIN_PATH = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?::\d+)?/")


def in_url(text: str, start: int) -> bool:
    """Whether `start` lies inside a URL or a path: the word it is in has `://`, starts
    with `www.` or `/`, or with a domain and a slash. "홍길동/900101-..." is no path."""
    head = text[max(0, start - 200) : start]
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"), head.rfind("("))
    word = head[cut + 1 :]
    return "://" in word or word.startswith(("www.", "/")) or _DOMAIN_PATH.match(word) is not None
