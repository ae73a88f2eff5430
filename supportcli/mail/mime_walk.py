"""The MIME tree of one message, walked without recursion and without copying it.

Python's email parser recurses once per nesting level (a message nested 1,000 deep raises
RecursionError), copies every part into strings, and its header parser raises on some
values. Here a part is a pair of offsets into the bytes it came from, the tree is built
with an explicit stack under a depth and a part-count limit, and a part's bytes are decoded
only when someone asks for them. Header values are kept as latin-1 characters (one per
byte, so a boundary turns back into its exact bytes); `charsets.header_text` reads them as
text."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import unquote_to_bytes

from supportcli.i18n import _
from supportcli.mail import charsets

# The header fields anything here reads; the others are skipped as they are parsed.
WANTED = frozenset(
    (
        "content-type",
        "content-disposition",
        "content-transfer-encoding",
        "content-id",
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
    )
)
HEAD_CAP = 1024 * 1024  # a header section longer than this is not a header section
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass
class Part:
    buf: bytes  # the bytes start and end point into (the message, or a decoded forward)
    start: int  # where its body starts
    end: int  # where its body ends
    headers: dict[str, str]
    depth: int
    number: str  # "1.2", as IMAP numbers parts; "" for the message itself
    children: list[Part] = field(default_factory=list)
    inner: Part | None = None  # a message/rfc822 part's message
    unread: bool = False  # a container past a limit: its content was not walked
    as_text: bool = False  # a multipart whose boundary is missing, read as plain text

    @cached_property
    def _type(self) -> tuple[str, dict[str, str]]:
        return params(self.headers.get("content-type", ""))

    @property
    def content_type(self) -> str:
        return "text/plain" if self.as_text else self._type[0]

    @property
    def maintype(self) -> str:
        return self.content_type.split("/", 1)[0]

    def param(self, name: str) -> str | None:
        return self._type[1].get(name)

    @cached_property
    def _disposition(self) -> tuple[str, dict[str, str]]:
        return params(self.headers.get("content-disposition", ""))

    @property
    def disposition(self) -> str:
        return self._disposition[0]

    def disposition_param(self, name: str) -> str | None:
        return self._disposition[1].get(name)

    @property
    def size(self) -> int:
        return self.end - self.start

    def label(self) -> str:
        return _label(self.number)


def _label(number: str) -> str:
    return _("part {number}").format(number=number) if number else _("the message")


def parse(buf: bytes, *, max_depth: int, max_parts: int) -> tuple[Part, list[str]]:
    """The tree of `buf`, with notes on whatever was past a limit or unreadable."""
    notes: list[str] = []
    root = _part(buf, 0, len(buf), depth=0, number="", default="text/plain", notes=notes)
    count = 1
    stack = [root]
    while stack:
        part = stack.pop()
        if part.maintype != "multipart" and part.content_type not in _MESSAGES:
            continue
        if part.depth >= max_depth:
            part.unread = True
            notes.append(
                _("{part}: nested deeper than {depth} levels, not read").format(
                    part=part.label(), depth=max_depth
                )
            )
            continue
        if part.content_type in _MESSAGES:
            part.inner = _inner_message(part, notes)
            count += 1
            stack.append(part.inner)
            continue
        spans = _children(part, limit=max_parts - count + 1)
        if spans is None:
            notes.append(
                _("{part}: multipart without its boundary, read as plain text").format(
                    part=part.label()
                )
            )
            part.as_text = True
            continue
        default = "message/rfc822" if part.content_type == "multipart/digest" else "text/plain"
        for n, (start, end) in enumerate(spans, 1):
            if count >= max_parts:
                notes.append(
                    _("more than {count} parts: the rest were not read").format(count=max_parts)
                )
                stack.clear()
                break
            number = f"{part.number}.{n}" if part.number else str(n)
            child = _part(buf, start, end, part.depth + 1, number, default, notes)
            part.children.append(child)
            count += 1
        stack.extend(part.children)
    return root, notes


_MESSAGES = frozenset(("message/rfc822", "message/global"))


def _part(
    buf: bytes, start: int, end: int, depth: int, number: str, default: str, notes: list[str]
) -> Part:
    headers, body = head_fields(buf, start, end)
    if body is None:
        notes.append(
            _("{part}: header section over 1 MB, body not read").format(part=_label(number))
        )
        body = end
    if "/" not in params(headers.get("content-type", ""))[0]:
        headers["content-type"] = default
    return Part(buf, body, end, headers, depth, number)


def head_fields(buf: bytes, start: int, end: int) -> tuple[dict[str, str], int | None]:
    """Its wanted header fields (lower-case names, first one wins) and where the body starts
    (None when the header section does not end within HEAD_CAP)."""
    if buf.startswith(b"\n", start, end):
        return {}, start + 1
    if buf.startswith(b"\r\n", start, end):
        return {}, start + 2
    blank = _BLANK_LINE.search(buf, start, min(end, start + HEAD_CAP))
    if blank is not None:
        head_end, body = blank.start(), blank.end()
    elif end - start <= HEAD_CAP:
        head_end, body = end, end  # all header, no body
    else:
        head_end, body = start + HEAD_CAP, None
    text = _FOLD.sub("", buf[start:head_end].decode("latin-1"))
    headers: dict[str, str] = {}
    for line in text.split("\n"):
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if colon and name in WANTED and name not in headers:
            headers[name] = value.strip()
    return headers, body


def _children(part: Part, limit: int) -> list[tuple[int, int]] | None:
    """The byte ranges of a multipart's parts, between its boundary lines (RFC 2046 5.1.1:
    the line break before a boundary belongs to it), at most `limit` of them (a hostile
    message can hold millions). None when there is no boundary."""
    boundary = (part.param("boundary") or "").encode("latin-1", errors="replace")[:200]
    if not boundary:
        return None
    buf, needle, pos = part.buf, b"--" + boundary, part.start
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    while (found := buf.find(needle, pos, part.end)) >= 0:
        pos = found + 1
        if found != part.start and buf[found - 1] != 0x0A:
            continue  # not at the start of a line
        after = found + len(needle)
        closing = buf.startswith(b"--", after, part.end)
        line_end = buf.find(b"\n", after, part.end)
        line_end = part.end if line_end < 0 else line_end
        if line_end - after > 100 or buf[after + 2 * closing : line_end].strip():
            continue  # a longer boundary, or text that starts like one
        if opened is not None:
            spans.append((opened, _before_line_break(buf, found, opened)))
        if closing or len(spans) >= limit:
            return spans
        opened = min(line_end + 1, part.end)
        pos = opened
    if opened is not None:
        spans.append((opened, part.end))  # the closing boundary is missing: cut off mail
    return spans if opened is not None else None


def _before_line_break(buf: bytes, line_start: int, floor: int) -> int:
    end = line_start
    if end > floor and buf[end - 1] == 0x0A:
        end -= 1
        if end > floor and buf[end - 1] == 0x0D:
            end -= 1
    return end


def _inner_message(part: Part, notes: list[str]) -> Part:
    """A message/rfc822 part's message, parsed from its own bytes (decoded first when a
    mail program base64-encoded it, which RFC 2046 forbids and some do)."""
    data, whole = payload(part)
    if not whole:
        notes.append(
            _("{part}: forwarded message undecodable, kept as far as it went").format(
                part=part.label()
            )
        )
    buf = part.buf if data is None else data
    start, end = (part.start, part.end) if data is None else (0, len(data))
    return _part(buf, start, end, part.depth + 1, part.number, "text/plain", notes)


def payload(part: Part, limit: int | None = None) -> tuple[bytes | None, bool]:
    """Its body with the transfer encoding undone (None when there was none to undo, so
    the bytes are part.buf[start:end]), and whether it decoded whole. `limit` reads only
    about that many bytes of the encoded body."""
    end = part.end if limit is None else min(part.end, part.start + limit)
    cte = part.headers.get("content-transfer-encoding", "").strip().lower()
    view = memoryview(part.buf)[part.start : end]
    if cte == "base64":
        return charsets.b64_as_far_as_it_goes(view)
    if cte == "quoted-printable":
        try:
            return binascii.a2b_qp(view), True
        except (binascii.Error, ValueError):
            return bytes(view), False
    return None, True


def body_bytes(part: Part, limit: int | None = None) -> tuple[bytes, bool]:
    data, whole = payload(part, limit)
    if data is None:
        end = part.end if limit is None else min(part.end, part.start + limit)
        data = part.buf[part.start : end]
    return data, whole


def params(value: str) -> tuple[str, dict[str, str]]:
    """`type/sub; a=1; b="x; y"` as ("type/sub", {"a": "1", "b": "x; y"}), RFC 2231
    continuations and charsets joined and decoded; values of RFC 2231 parameters come out
    as text, the others as header characters (see the module's note)."""
    pieces = _split_params(value)
    raw: dict[str, str] = {}
    for piece in pieces[1:]:
        key, eq, val = piece.partition("=")
        key = key.strip().lower()
        if eq and key and key not in raw:
            raw[key] = _unquote(val.strip())
    return pieces[0].strip().lower() if pieces else "", _rfc2231(raw)


def _split_params(value: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value[:20000]:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return pieces


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value.strip('"')


_CONTINUED = re.compile(r"([^*]+)\*(\d{1,3})?(\*)?")


def _rfc2231(raw: dict[str, str]) -> dict[str, str]:
    """name*=utf-8''%ED%95%9C, name*0*=..., name*1=...: joined and decoded."""
    plain = {k: v for k, v in raw.items() if "*" not in k}
    pieces: dict[str, list[tuple[int, bool, str]]] = {}
    for key, val in raw.items():
        match = _CONTINUED.fullmatch(key)
        if match:
            index = int(match.group(2) or 0)
            extended = match.group(2) is None or match.group(3) is not None
            pieces.setdefault(match.group(1), []).append((index, extended, val))
    for name, parts in pieces.items():
        parts.sort()
        charset = None
        data = b""
        for index, extended, val in parts:
            if extended and index == 0 and val.count("'") >= 2:
                charset, _, val = val.split("'", 2)
            data += unquote_to_bytes(val) if extended else val.encode("latin-1", "replace")
        plain[name] = charsets.decode(data, charset)
    return plain
