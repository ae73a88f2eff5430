"""What text may go where, and how times and sizes read to people. Header text must be
one clean line; stored text may hold anything, but is shown without letting control
sequences reach the terminal."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from supportcli.i18n import _, tr

# C0 and C1 controls (FS/GS/RS, VT, FF and NEL are line boundaries to str.splitlines and
# to the email package's header folding), DEL, Unicode line and paragraph separators, and
# lone surrogates (what Python makes of bytes that are not UTF-8 in argv or environ).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def header_problem(value: str, *, encoded_words: bool = True) -> str | None:
    """Why `value` cannot go into a mail header, or None. A setting is never a header
    itself, so `encoded_words=False` lets '=?' through."""
    if _SURROGATE.search(value):
        return _("the text is not valid UTF-8")
    if _UNSAFE.search(value):
        return _("line breaks and control characters are not allowed here")
    if encoded_words and "=?" in value:
        # Python's email package decodes `=?charset?Q?...?=` words when a header is set,
        # so an encoded CR LF would become a second header.
        return _("'=?' (an RFC 2047 encoded word) is not allowed here")
    return None


def one_clean_line(value: str) -> str:
    """`value` made fit for a header: unsafe characters become spaces, no encoded words."""
    text = " ".join(_UNSAFE.sub(" ", value).split())
    return text.replace("=?", "= ?")


def visible(text: str) -> str:
    """Stored text for a terminal, so that nothing in it acts on the terminal or misleads
    the eye: C0 controls (but newline and tab) become their Unicode pictures (ESC as ␛, so
    no escape sequence is executed), DEL ␡; C1 controls, bidi overrides and isolates
    (U+202E turns "exe.txt" into "txt.exe"), zero-width and other invisible characters and
    the Unicode line separators are shown as ‹U+XXXX›. A zero-width joiner between emoji
    (👨‍👩‍👧) is kept. Stored text is never changed; only what is shown."""
    if text.isascii():  # the common case, checked at C speed: only C0 and DEL to find
        return _ASCII_UNSAFE.sub(_shown, text)
    return _INVISIBLE.sub(_shown, text)


def visible_line(text: str) -> str:
    """`visible` for what must stay one line (a file name): newline and tab shown too."""
    return visible(text).replace("\n", "\u2424").replace("\t", "\u2409")


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code == 0x200D and _joins_emoji(match.string, match.start()):
        return char
    if code < 32:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"‹U+{code:04X}›"


# Bidi marks, embeddings, overrides and isolates; zero-width and invisible formatting
# characters (U+200B..U+200D, word joiner and invisible operators, BOM); line and paragraph
# separators; soft hyphen; Mongolian vowel separator.
_FORMAT_CHARS = (
    "\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
)
_EMOJI = re.compile("[\u2600-\u27bf\ufe0f\U0001f000-\U0001faff]")
# One character class, so the scan runs at C speed (an alternation with look-behinds for
# the joiner cost ~90 ns a character: 1.8 s for a 20 MB body); the joiner is judged in
# _shown.
_INVISIBLE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_FORMAT_CHARS}\u200d\\ud800-\\udfff]")
_ASCII_UNSAFE = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f]")


def _joins_emoji(text: str, at: int) -> bool:
    """A zero-width joiner between two emoji (👨‍👩‍👧) is part of the picture."""
    return (
        0 < at < len(text) - 1
        and _EMOJI.match(text, at - 1) is not None
        and _EMOJI.match(text, at + 1) is not None
    )


def _parsed(stamp: str | None) -> tuple[datetime, datetime] | str:
    """A stored UTC time and the same moment in the local zone; or, for no time, "", and
    for a time the calendar cannot hold in this zone (31 Dec 9999 east of UTC) or not a
    time at all, the text as stored, rather than failing the whole listing."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
        return moment, moment.astimezone()
    except (ValueError, OverflowError):
        return visible_line(stamp[:32])


def local_time(stamp: str | None, *, relative: bool = False, zone: bool = False) -> str:
    """A stored UTC time as people read it: local, to the minute ("2026-11-26 21:24"),
    with its UTC offset when `zone` (for a file read elsewhere: "2026-11-26 21:24 +09:00"),
    or how long ago when `relative`."""
    parsed = _parsed(stamp)
    if isinstance(parsed, str):
        return parsed
    moment, local = parsed
    if relative:
        seconds = (datetime.now(UTC) - moment).total_seconds()
        if seconds < 60:
            return "just now"
        for size, unit in ((86400 * 7, "w"), (86400, "d"), (3600, "h"), (60, "m")):
            if seconds >= size and (unit != "w" or seconds < 86400 * 60):
                return f"{int(seconds // size)}{unit} ago"
    if zone:
        offset = local.strftime("%z")  # +0900
        return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
    return local.strftime("%Y-%m-%d %H:%M")


def shown_time(stamp: str | None, *, relative: bool = False) -> str:
    """A stored UTC time for human output, in the interface's language: local, to the
    minute ("2026-11-26 21:24", in Korean "2026년 11월 26일 21:24"), or how long ago
    ("3m ago", "3분 전", "어제"). Machine formats (export, the mail's transcript) keep
    `local_time`, which never changes with the language."""
    parsed = _parsed(stamp)
    if isinstance(parsed, str):
        return parsed
    moment, local = parsed
    if relative:
        ago = _ago((datetime.now(UTC) - moment).total_seconds())
        if ago is not None:
            return ago
    return tr(
        "{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}",
        year=local.year,
        month=local.month,
        day=local.day,
        hour=local.hour,
        minute=local.minute,
    )


def _ago(seconds: float) -> str | None:
    """How long ago, in the units `list` shows; None past eight weeks (then the date)."""
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return tr("{n}m ago", n=int(seconds // 60))
    if seconds < 86400:
        return tr("{n}h ago", n=int(seconds // 3600))
    if seconds < 86400 * 2:
        return _("1d ago")  # 어제 in Korean
    if seconds < 86400 * 7:
        return tr("{n}d ago", n=int(seconds // 86400))
    if seconds < 86400 * 60:
        return tr("{n}w ago", n=int(seconds // (86400 * 7)))
    return None


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
