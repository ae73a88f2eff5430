"""Reading one answer as it arrived: whatever mail program wrote it, and whoever sent it.

`read_answer` turns the raw RFC 5322 bytes into what `support sync` files: the answer's
own words, its files, who sent it and when. It never raises for anything in the message:
what it cannot understand is left out and said in `notes`, and the raw bytes are kept by
the caller, so nothing that arrived is ever lost.

`thread_ids` reads only the threading headers, for the first pass over a mailbox.

The work is shared with small private modules: `mime_walk` (the MIME tree, under limits),
`charsets` (bytes and header words to text), `htmltext` (HTML-only answers), `quotes`
(cutting the earlier thread off)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC
from email.utils import parseaddr, parsedate_to_datetime

from supportcli.i18n import _
from supportcli.mail import charsets, mime_walk
from supportcli.mail.htmltext import html_to_text
from supportcli.mail.mime_walk import Part
from supportcli.mail.quotes import cut_quote

__all__ = ["InboundFile", "Incoming", "Limits", "cut_quote", "read_answer", "thread_ids"]

MAX_ID = 250  # characters of one Message-ID, brackets included
MAX_REFS = 50  # ids kept from In-Reply-To and References: the newest
_MAX_NOTES = 50


@dataclass(frozen=True)
class Limits:
    """How much of one answer is read; past a limit the rest is noted, not filed."""

    max_bytes: int = 50 * 1024 * 1024  # setting `imap.max_message_mb`; past it no files kept
    max_parts: int = 200  # MIME parts walked; real answers have a handful, Outlook ~20
    max_depth: int = 30  # nesting levels walked; real clients nest 4 or 5 at most
    max_text_bytes: int = 2 * 1024 * 1024  # encoded bytes read from one text part


@dataclass(frozen=True)
class InboundFile:
    name: str  # as the sender named it, made safe to show and save; never a path, never ""
    data: bytes
    content_type: str  # lower-case type/subtype as the message declared it


@dataclass(frozen=True)
class Incoming:
    message_id: str | None  # its own Message-ID, bounded and cleaned; None if unusable
    refers_to: tuple[str, ...]  # ids from References then In-Reply-To, cleaned, oldest first
    sender: str  # the From header as text ("" when absent)
    sender_address: str  # the bare address, lower-cased ("" when none can be read)
    subject: str
    date: str  # the Date header as written
    at: str | None  # when it was written (UTC ISO 8601), None when Date can't be used
    text: str  # the answer's own words, the quoted earlier thread cut off, forwards after
    full_text: str  # the whole readable text, before cutting
    files: tuple[InboundFile, ...]
    notes: tuple[str, ...]  # what was left out, and why

    def fallback_id(self, raw: bytes) -> str:
        """A Message-ID made from the bytes, for an answer that has none."""
        return f"<{hashlib.sha256(raw).hexdigest()[:32]}@sync.support.invalid>"


def thread_ids(head: bytes) -> tuple[str | None, tuple[str, ...]]:
    """Its own Message-ID and the ids it refers to, from the threading headers alone."""
    fields, _ = mime_walk.head_fields(head, 0, len(head))
    return _own_id(fields), _refers_to(fields)


def read_answer(raw: bytes, limits: Limits = Limits(), *, whole: bool = True) -> Incoming:
    """The answer in `raw`; never raises for anything in the bytes. `whole=False`: `raw`
    is only the start of a message too large to fetch, so no file in it is kept (the
    last one would be cut short)."""
    try:
        return _Reader(raw, limits, whole).read()
    except MemoryError:
        raise
    except Exception as exc:  # a bug of ours must not cost the answer: file what we can
        return _flat_reading(
            raw, limits, _("could not be read as MIME ({error})").format(error=type(exc).__name__)
        )


class _Reader:
    def __init__(self, raw: bytes, limits: Limits, whole: bool = True) -> None:
        self.raw = raw
        self.limits = limits
        # The body is chosen by recursion over the tree: keep it well inside Python's stack.
        depth = max(1, min(limits.max_depth, 100))
        self.root, self.notes = mime_walk.parse(raw, max_depth=depth, max_parts=limits.max_parts)
        self.keep_files = whole and len(raw) <= limits.max_bytes
        self.files: list[InboundFile] = []
        self.seen: set[str] = set()
        self.files_skipped = 0

    def read(self) -> Incoming:
        head = self.root.headers
        own = _clean_newlines(self.text_of(self.root)[0])
        forwards = self.gather(self.root)
        text = cut_quote(own)
        full = own.rstrip() + "\n" if own.strip() else ""
        if forwards:
            text, full = _then(text, forwards), _then(full, forwards)
        if not self.keep_files and self.files_skipped:
            self.notes.append(
                _("message over {size}: {count} file(s) not kept (the raw message is)").format(
                    size=_mb(self.limits.max_bytes), count=self.files_skipped
                )
            )
        return _incoming(head, self.notes, text=text, full=full, files=tuple(self.files))

    # The body: which text parts are the answer's words.

    def text_of(self, part: Part) -> tuple[str, str]:
        """The readable text of `part` and its kind ("plain", "html" or "" for none)."""
        if part.unread or _is_file(part) or part.inner is not None:
            return "", ""
        kind = part.content_type
        if kind == "multipart/alternative":
            return self._alternative(part)
        if kind == "multipart/related":
            return self.text_of(_related_root(part)) if part.children else ("", "")
        if part.maintype == "multipart":
            texts = [self.text_of(child) for child in part.children]
            found = [t for t in texts if t[0].strip()]
            joined = "\n".join(t.strip("\n") + "\n" for t, _ in found)
            return joined, "plain" if any(k == "plain" for _, k in found) else "html"
        if kind == "text/html":
            return html_to_text(self._read_text(part)), "html"
        if kind == "text/plain":
            return self._plain(part), "plain"
        return "", ""

    def _alternative(self, part: Part) -> tuple[str, str]:
        """The best plain-text rendition (RFC 2046: the last is the richest), else the
        best of any other kind."""
        for prefer_plain in (True, False):
            for child in reversed(part.children):
                if prefer_plain and not _has_plain(child):
                    continue
                text, kind = self.text_of(child)
                if text.strip():
                    return text, kind
        return "", ""

    def _plain(self, part: Part) -> str:
        text = self._read_text(part)
        if (part.param("format") or "").lower() == "flowed":
            text = _unflow(text, delsp=(part.param("delsp") or "").lower() == "yes")
        return text

    def _read_text(self, part: Part) -> str:
        limit = self.limits.max_text_bytes
        data, whole = mime_walk.body_bytes(part, limit)
        if part.size > limit:
            self.notes.append(
                _("{part}: text longer than {size}, the rest not read").format(
                    part=part.label(), size=_mb(limit)
                )
            )
        elif not whole:
            self.notes.append(_broken(part))
        return _clean_newlines(charsets.decode(data, part.param("charset")))

    # Files and forwarded messages: every leaf that is not body text, anywhere in the tree.

    def gather(self, root: Part) -> list[str]:
        """Files into self.files; the text of each forwarded message, in order."""
        forwards: list[str] = []
        stack = [root]
        while stack:
            part = stack.pop()
            if part.inner is not None:
                self._keep(part, _eml_name(part.inner))
                forwards.append(self._forwarded(part.inner))
            elif part.children:
                stack.extend(reversed(part.children))
            elif _is_file(part):
                self._file(part)
        return forwards

    def _file(self, part: Part) -> None:
        kind = part.content_type
        if kind.startswith("image/") and part.size < 1024 and _inline(part):
            self.notes.append(
                _("{part}: tiny inline image dropped (a spacer or tracker)").format(
                    part=part.label()
                )
            )
            return
        self._keep(part, _file_name(part))

    def _keep(self, part: Part, name: str) -> None:
        if not self.keep_files:
            self.files_skipped += 1
            return
        data, whole = mime_walk.body_bytes(part)
        if not whole:
            self.notes.append(_broken(part))
        key = hashlib.sha256(data).hexdigest() + name
        if key in self.seen:
            return  # the same file in two renditions of one message
        self.seen.add(key)
        name = _unique(name, {f.name for f in self.files}, len(self.files) + 1)
        self.files.append(InboundFile(name, data, part.content_type))

    def _forwarded(self, inner: Part) -> str:
        head = inner.headers
        lines = ["---------- Forwarded message ----------"]
        for label, key in (("From", "from"), ("Date", "date"), ("Subject", "subject")):
            value = _bounded(charsets.header_text(head.get(key, "")), 500)
            if value:
                lines.append(f"{label}: {value}")
        body = _clean_newlines(self.text_of(inner)[0]).strip("\n")
        nested = self.gather_inner(inner)
        return "\n".join(lines) + "\n\n" + "\n\n".join(t for t in [body, *nested] if t) + "\n"

    def gather_inner(self, inner: Part) -> list[str]:
        """A forward's own forwards, as text only: its files travel inside its .eml."""
        found: list[str] = []
        stack = [inner]
        while stack:
            part = stack.pop()
            if part.inner is not None:
                found.append(self._forwarded(part.inner).rstrip("\n"))
            else:
                stack.extend(reversed(part.children))
        return found


def _flat_reading(raw: bytes, limits: Limits, why: str) -> Incoming:
    """The last resort: the headers we can read and the body as plain text."""
    try:
        head, body = mime_walk.head_fields(raw, 0, len(raw))
    except Exception:  # the header scan is all slicing; nothing is left to try
        head, body = {}, 0
    start = body or 0
    text = _clean_newlines(charsets.decode(raw[start : start + limits.max_text_bytes]))
    notes = [why]
    return _incoming(head, notes, text=text, full=text, files=())


def _incoming(
    head: dict[str, str],
    notes: list[str],
    *,
    text: str,
    full: str,
    files: tuple[InboundFile, ...],
) -> Incoming:
    """The answer, its header fields read and bounded the same way for every reading."""
    return Incoming(
        message_id=_own_id(head),
        refers_to=_refers_to(head),
        sender=_bounded(charsets.header_text(head.get("from", "")), 500),
        sender_address=_address(head.get("from", "")),
        subject=_bounded(charsets.header_text(head.get("subject", "")), 1000),
        date=_bounded(charsets.header_text(head.get("date", "")), 200),
        at=_when(head.get("date", ""), notes),  # may add a note: before they are bounded
        text=text,
        full_text=full,
        files=files,
        notes=_bounded_notes(notes),
    )


# What a part is.


def _is_file(part: Part) -> bool:
    """A leaf the customer gets as a file rather than reads as the answer's text."""
    if part.children or part.inner is not None or part.unread:
        return False
    if part.content_type not in ("text/plain", "text/html"):
        return part.maintype != "multipart"
    if part.disposition == "attachment":
        return True
    # A named text part inside a multipart is a file (log.txt); a message that is one
    # named text part is still its own text.
    return part.depth > 0 and _declared_name(part) is not None


def _has_plain(part: Part) -> bool:
    if part.content_type == "text/plain":
        return not _is_file(part)
    return any(_has_plain(child) for child in part.children)


def _inline(part: Part) -> bool:
    return part.disposition == "inline" or "content-id" in part.headers


def _related_root(part: Part) -> Part:
    """RFC 2387: the part the `start` parameter names, else the first."""
    start = (part.param("start") or "").strip()
    for child in part.children:
        if start and child.headers.get("content-id", "").strip() == start:
            return child
    return part.children[0]


def _encoding(part: Part) -> str:
    return part.headers.get("content-transfer-encoding", "encoding").strip().lower()


# Names of files.

_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", re.I)
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "text/plain": ".txt",
    "text/html": ".html",
    "message/rfc822": ".eml",
    "application/ms-tnef": ".dat",
    "application/zip": ".zip",
    "text/calendar": ".ics",
    "message/delivery-status": ".txt",
}


def _declared_name(part: Part) -> str | None:
    name = part.disposition_param("filename") or part.param("name")
    return None if name is None else charsets.header_text(name)


def _file_name(part: Part) -> str:
    fallback = f"attachment-{part.number or 1}{_EXTENSIONS.get(part.content_type, '.bin')}"
    return safe_name(_declared_name(part) or "", fallback)


def _eml_name(inner: Part) -> str:
    subject = charsets.header_text(inner.headers.get("subject", ""))
    return safe_name(f"{subject[:80]}.eml" if subject.strip() else "", "forwarded-message.eml")


def safe_name(name: str, fallback: str) -> str:
    """A file name safe to show and to save: the last path component only, no control,
    bidi or invisible characters, nothing Windows refuses, at most 180 UTF-8 bytes with
    its extension kept; `fallback` when nothing is left. Korean stays as it is (NFC, the
    form macOS's decomposed names are shown in)."""
    name = unicodedata.normalize("NFC", charsets.clean(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(_name_char(c) for c in name)
    name = " ".join(_UNSAFE_NAME_CHARS.sub("_", name).split()).strip(" .")
    if _RESERVED.match(name):
        name = "_" + name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    while len((stem + ext).encode("utf-8")) > 180 and stem:
        stem = stem[: max(0, len(stem) - 8)]
    name = (stem.rstrip(" .") + ext) if stem.strip(" .") else ""
    return name if name.strip(" .") else fallback


def _name_char(char: str) -> str:
    kind = unicodedata.category(char)
    return "" if kind[0] == "C" else " " if kind[0] == "Z" else char


def _unique(name: str, taken: set[str], n: int) -> str:
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{n}.{ext}" if dot and stem else f"{name}-{n}"


# Headers.

_ID = re.compile(r"<([^<>]*)>")


def _clean_id(inner: str) -> str | None:
    inner = "".join(inner.split())
    if not inner or len(inner) + 2 > MAX_ID or not inner.isascii() or not inner.isprintable():
        return None
    return f"<{inner}>"


def _own_id(head: dict[str, str]) -> str | None:
    value = head.get("message-id", "")[:4096]
    found = _ID.search(value)
    if found:
        return _clean_id(found.group(1))
    bare = value.strip()
    return _clean_id(bare) if "@" in bare and not any(c.isspace() for c in bare) else None


def _refers_to(head: dict[str, str]) -> tuple[str, ...]:
    """References (oldest first) then In-Reply-To; the newest MAX_REFS, each once."""
    named = _ID.findall(head.get("references", "")) + _ID.findall(head.get("in-reply-to", ""))
    cleaned = [i for i in map(_clean_id, named) if i is not None]
    newest: dict[str, None] = {}
    for one in reversed(cleaned):
        newest.setdefault(one, None)
        if len(newest) == MAX_REFS:
            break
    return tuple(reversed(newest))


_ADDRESS = re.compile(r"[^\s@<>()\[\]\\,;:\"]+@[^\s@<>()\[\]\\,;:\"]+")


def _address(raw: str) -> str:
    """The bare sender address, lower-cased; "" when none can be read."""
    raw = raw[:2000]
    try:
        found = parseaddr(raw)[1]
    except Exception:  # the standard library's parser has raised on odd input before
        found = ""
    if not _ADDRESS.fullmatch(found):
        match = _ADDRESS.search(raw)
        found = match.group() if match else ""
    domain = found.rpartition("@")[2]
    if not found or domain.startswith(".") or domain.endswith(".") or "." not in domain:
        return ""
    return _bounded(charsets.header_text(found), 320).lower()


def _when(value: str, notes: list[str]) -> str | None:
    """The Date as UTC ISO 8601; None (noted) when it cannot be read or lies outside the
    years 1900-9998, so it can be shown in every time zone and sorted as text."""
    if not value.strip():
        return None
    try:
        moment = parsedate_to_datetime(value[:200])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except Exception:  # out of range, unreadable: parsedate raises several kinds
        notes.append(_("Date unreadable or out of range: the time of filing is used"))
        return None
    if not 1900 <= moment.year <= 9998:
        notes.append(_("Date out of range: the time of filing is used"))
        return None
    return moment.isoformat(timespec="microseconds")


# Text.


def _unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next one at the
    same quote depth; with DelSp=yes that space is not part of the text."""
    out: list[str] = []
    current: str | None = None
    depth = 0
    for line in text.split("\n"):
        level = len(line) - len(line.lstrip(">"))
        content = line[level:]
        content = content[1:] if content.startswith(" ") else content  # space-stuffing
        if current is not None and level != depth:
            out.append(_quote_prefix(depth) + current)
            current = None
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        current = content if current is None else current + content
        depth = level
        if not soft:
            out.append(_quote_prefix(depth) + current)
            current = None
    if current is not None:
        out.append(_quote_prefix(depth) + current)
    return "\n".join(out)


def _quote_prefix(depth: int) -> str:
    return ">" * depth + " " if depth else ""


def _clean_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _then(text: str, forwards: list[str]) -> str:
    blocks = [text.rstrip("\n")] if text.strip() else []
    return "\n\n".join(blocks + [f.rstrip("\n") for f in forwards]) + "\n"


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounded_notes(notes: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(_bounded(charsets.clean(n), 300) for n in notes))
    if len(unique) > _MAX_NOTES:
        more = len(unique) - _MAX_NOTES + 1
        unique = unique[: _MAX_NOTES - 1] + [_("and {count} more notes").format(count=more)]
    return tuple(unique)


def _broken(part: Part) -> str:
    return _("{part}: {encoding} broken, kept as far as it went").format(
        part=part.label(), encoding=_encoding(part)
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
