"""What text may go where, and how times and sizes read to people. Header text must be
one clean line; stored text may hold anything, but is shown without letting control
sequences reach the terminal."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# C0 and C1 controls (FS/GS/RS, VT, FF and NEL are line boundaries to str.splitlines and
# to the email package's header folding), DEL, Unicode line and paragraph separators, and
# lone surrogates (what Python makes of bytes that are not UTF-8 in argv or environ).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SHOWN_RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def header_problem(value: str) -> str | None:
    """Why `value` cannot go into a mail header, or None."""
    if _SURROGATE.search(value):
        return "the text is not valid UTF-8"
    if _UNSAFE.search(value):
        return "line breaks and control characters are not allowed here"
    if "=?" in value:
        # Python's email package decodes `=?charset?Q?...?=` words when a header is set,
        # so an encoded CR LF would become a second header.
        return "'=?' (an RFC 2047 encoded word) is not allowed here"
    return None


def one_clean_line(value: str) -> str:
    """`value` made fit for a header: unsafe characters become spaces, no encoded words."""
    text = " ".join(_UNSAFE.sub(" ", value).split())
    return text.replace("=?", "= ?")


def visible(text: str) -> str:
    """Stored text for a terminal: control characters (but newline and tab) shown as
    their Unicode pictures (ESC as ␛), so no escape sequence is executed."""
    return _SHOWN_RAW.sub(
        lambda m: (
            chr(0x2400 + ord(m.group()))
            if ord(m.group()) < 32
            else "\u2421"
            if m.group() == "\x7f"
            else "\ufffd"
        ),
        text,
    )


def local_time(stamp: str | None, *, relative: bool = False) -> str:
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    if relative:
        seconds = (datetime.now(UTC) - moment).total_seconds()
        if seconds < 60:
            return "just now"
        for size, unit in ((86400 * 7, "w"), (86400, "d"), (3600, "h"), (60, "m")):
            if seconds >= size and (unit != "w" or seconds < 86400 * 60):
                return f"{int(seconds // size)}{unit} ago"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
