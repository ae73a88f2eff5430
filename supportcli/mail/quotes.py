"""Cutting the earlier thread off an answer, and nothing else.

A cut needs two things together: a line that introduces the earlier thread (an
attribution such as Gmail's "On ... wrote:" or "...님이 작성:", or a separator such as
Outlook's "-----Original Message-----" or Daum's "------- 원본 메일 -------") and, after
it, text that really is the earlier thread: only quoted (">") lines to the end, or a block
of mail headers (From / Sent / To / Subject, 보낸 사람 / 보낸 날짜 / 받는 사람 / 제목).
A line that merely starts with "From: " or ends with " 작성:" is not enough, and an
answer written between quoted lines (inline replies) is never cut. When unsure, keep
everything: the full text stays one command away."""

from __future__ import annotations

import re

# Lines that introduce a quote; an attribution may be wrapped over up to three lines.
_ATTRIBUTION = re.compile(
    r"^(?:"
    r"On\b.{1,300}\bwrote:"  # Gmail, Apple Mail (English)
    r"|\d{4}년\s*\d{1,2}월\s*\d{1,2}일.{0,200}(?:님이|님께서)\s*작성:"  # Gmail (Korean)
    r"|\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\..{0,200}작성:"  # Apple Mail (Korean)
    r"|.{1,300}\bwrote:"  # Thunderbird, many others ("X wrote:")
    r"|.{1,300}(?:님이 쓴 글|님의 메시지|작성):"  # Thunderbird and others (Korean)
    r")$",
    re.I,
)
_SEPARATOR = re.compile(
    r"^(?:-{2,}\s*(?:Original Message|원본 메시지|원본 메일|원본 메세지|Message d'origine)"
    r"\s*-{2,}|_{10,}|-{10,})$",
    re.I,
)
# A mail header line in an earlier-thread block, by kind.
_HEADER_KINDS = {
    "from": r"From|보낸\s?사람|보낸이|발신자|발신",
    "date": r"Sent|Date|보낸\s?날짜|날짜|발송일|보낸\s?시간|일시",
    "to": r"To|받는\s?사람|받는이|수신자|수신",
    "cc": r"Cc|참조",
    "subject": r"Subject|제목",
}
_HEADER = re.compile(
    r"^\*?\s*(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _HEADER_KINDS.items()) + r")\s*\*?\s*:",
    re.I,
)
_QUOTED = re.compile(r"^\s*>")


def cut_quote(text: str) -> str:
    """The answer's own words: the earlier thread at its end cut off when it is clearly one
    (see the module's note). Trailing blank space is trimmed; the text ends with one line
    break (empty stays empty)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _cut_line(lines)
    if cut is not None and any(line.strip() for line in lines[:cut]):
        lines = lines[:cut]
    kept = "\n".join(lines).rstrip()
    return kept + "\n" if kept else ""


def _cut_line(lines: list[str]) -> int | None:
    """Index of the first line of the trailing earlier-thread block, if there is one.
    Each line is looked at a bounded number of times, so a long text stays linear."""
    quoted = [bool(_QUOTED.match(line)) for line in lines]
    kinds = [_header_kind(line) for line in lines]
    colon = [":" in line for line in lines]
    # The last line of the answer's own (unquoted) text: a ">" block can be the earlier
    # thread only past it.
    own_end = max((i for i, line in enumerate(lines) if line.strip() and not quoted[i]), default=-1)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or quoted[i] or not (any(colon[i : i + 3]) or stripped[0] in "-_"):
            continue  # every marker has a colon within its first three lines, or is a rule
        if _SEPARATOR.match(stripped) and _header_block(lines, kinds, i + 1, needed=2):
            return i
        if kinds[i] == "from" and _header_block(lines, kinds, i, needed=3):
            return i
        span = _attribution(lines, i)
        if not span:
            continue
        after = i + span
        if (own_end < after and any(quoted[after:])) or _header_block(lines, kinds, after, 2):
            return i
    return None


def _attribution(lines: list[str], i: int) -> int:
    """How many lines (1-3) the attribution starting at line i takes; 0 if none does."""
    joined = ""
    for span in range(1, 4):
        if i + span > len(lines) or not lines[i + span - 1].strip():
            return 0
        joined = f"{joined} {lines[i + span - 1].strip()}".strip()
        if len(joined) > 400:
            return 0
        if joined.endswith(":") and _ATTRIBUTION.match(joined):
            return span
    return 0


def _header_kind(line: str) -> str | None:
    """Which mail header a line is (from, date, to, cc, subject), if any."""
    if ":" not in line[:40]:
        return None
    match = _HEADER.match(line.strip())
    if not match:
        return None
    kind = next(k for k, v in match.groupdict().items() if v)
    # A real date has digits; "Date: the day it happened" in a form is no header.
    return None if kind == "date" and not any(c.isdigit() for c in line) else kind


def _header_block(lines: list[str], kinds: list[str | None], start: int, needed: int) -> bool:
    """Lines from `start` (after blank ones) form a mail-header block: at least `needed`
    distinct kinds in a row, From among them and a date or subject too; a block with
    nothing before it to announce it (needed=3) must have its date."""
    while start < len(lines) and not lines[start].strip():
        start += 1
    found: set[str] = set()
    for kind in kinds[start : start + 8]:
        if kind is None:
            break
        found.add(kind)
    dated = "date" in found if needed >= 3 else bool(found & {"date", "subject"})
    return len(found) >= needed and "from" in found and dated
