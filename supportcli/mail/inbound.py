"""Reading one answer as it arrived: whatever mail program wrote it, and whoever sent it.

`read_answer` turns the raw RFC 5322 bytes into what `support sync` files: the answer's
own words, its files, who sent it and when. It never raises for anything in the message:
what it cannot understand is left out and said in `notes`, and the raw bytes are kept by
the caller, so nothing that arrived is ever lost.

`thread_ids` reads only the threading headers, for the first pass over a mailbox."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

_ID = re.compile(r"<[^<>\s]+>")
_QUOTE_MARKERS = re.compile(
    r"^(On .+ wrote:|.+ 작성:|-{2,} ?(Original Message|원본 메시지|Forwarded message) ?-{2,}|"
    r"From: .+|보낸 사람: .+)\s*$",
    re.M | re.I,
)


@dataclass(frozen=True)
class Limits:
    """How much of one answer is read; past a limit the rest is noted, not filed."""

    max_bytes: int = 50 * 1024 * 1024  # setting `imap.max_message_size`
    max_parts: int = 200
    max_depth: int = 30


@dataclass(frozen=True)
class InboundFile:
    name: str  # as the sender named it, made safe to show; never a path
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Incoming:
    message_id: str | None  # its own Message-ID, bounded and cleaned; None if unusable
    refers_to: tuple[str, ...]  # ids from In-Reply-To and References, bounded, oldest first
    sender: str  # the From header as text ("" when absent)
    sender_address: str  # the bare address, lower-cased ("" when none can be read)
    subject: str
    date: str  # the Date header as written
    at: str | None  # when it was written (UTC ISO 8601), None when Date can't be read
    text: str  # the answer's own words, the quoted earlier thread cut off
    full_text: str  # the whole readable text, before cutting
    files: tuple[InboundFile, ...]
    notes: tuple[str, ...]  # what was left out, and why

    def fallback_id(self, raw: bytes) -> str:
        """A Message-ID made from the bytes, for an answer that has none."""
        return f"<{hashlib.sha256(raw).hexdigest()[:32]}@sync.support.invalid>"


def thread_ids(head: bytes) -> tuple[str | None, tuple[str, ...]]:
    """Its own Message-ID and the ids it refers to, from the threading headers alone."""
    parsed = BytesParser(policy=policy.default).parsebytes(head, headersonly=True)
    own = _first_id(parsed.get("Message-ID"))
    named = _ID.findall(f"{parsed.get('In-Reply-To', '')} {parsed.get('References', '')}")
    return own, tuple(named)


def read_answer(raw: bytes, limits: Limits = Limits()) -> Incoming:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    full = _full_text(message)
    sender = str(message.get("From", ""))
    return Incoming(
        message_id=_first_id(message.get("Message-ID")),
        refers_to=thread_ids(raw.split(b"\r\n\r\n", 1)[0])[1],
        sender=sender,
        sender_address=parseaddr(sender)[1].lower(),
        subject=str(message.get("Subject", "")),
        date=str(message.get("Date", "")),
        at=_when(message),
        text=cut_quote(full),
        full_text=full,
        files=tuple(_files(message)),
        notes=(),
    )


def cut_quote(text: str) -> str:
    """The answer's own words: the quoted history cut off where it is clearly marked."""
    marker = _QUOTE_MARKERS.search(text)
    if marker and marker.start() > 0:
        text = text[: marker.start()]
    lines = text.rstrip().split("\n")
    while lines and lines[-1].startswith(">"):
        lines.pop()
    return "\n".join(lines).rstrip() + "\n"


def _full_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_subtype() == "html":
        text = _html_to_text(text)
    return str(text).replace("\r\n", "\n")


def _files(message: EmailMessage) -> list[InboundFile]:
    found = []
    for n, part in enumerate(message.iter_attachments(), 1):
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            found.append(
                InboundFile(part.get_filename() or f"attachment-{n}", data, part.get_content_type())
            )
    return found


def _first_id(value: object) -> str | None:
    found = _ID.findall(str(value or ""))
    return found[0] if found else None


def _when(message: EmailMessage) -> str | None:
    try:
        moment = parsedate_to_datetime(str(message.get("Date")))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")


def _html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()
