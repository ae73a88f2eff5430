"""The MIME message of an inquiry, built with the standard library.

Composition is ours, not yagmail's: yagmail's builder turns the text part's newlines into
`<br>`, puts the text unescaped into an HTML part, and attaches any body that happens to be
a file path. Here the text/plain part is exactly the customer's text (UTF-8, base64, so any
line length and every byte survive), there is no HTML part, and attachments come only
from the history's private copies."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportcli import __version__
from supportcli.i18n import _
from supportcli.text import header_problem

if TYPE_CHECKING:
    from email.message import EmailMessage

FACTS_FILENAME = "support-inquiry.json"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")  # file names may hold anything


@dataclass
class Outgoing:
    sender: str
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    message_id: str
    # name, type, file, and the SHA-256 recorded for a stored copy (None: the user's file)
    attachments: list[tuple[str, str, Path, str | None]] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    account: str | None = None
    inquiry_id: int | None = None
    message_row: int | None = None  # the history's message this is
    # The escalation's facts for the desk's software (mail/facts.py): sent as a JSON part,
    # with the manifest of the attachments added here from the bytes attached.
    facts: dict[str, Any] | None = None

    @cached_property
    def recipients(self) -> list[str]:
        return [envelope_address(a) for a in [*self.to, *self.cc]]

    @cached_property
    def needs_smtputf8(self) -> bool:
        return not envelope_address(self.sender).isascii() or not all(
            a.isascii() for a in self.recipients
        )


@lru_cache(maxsize=1024)  # an outbox run asks about the same few addresses for every message
def envelope_address(value: str) -> str:
    """The address for MAIL FROM / RCPT TO: IDN domains in their ASCII (punycode) form."""
    addr = parseaddr(value)[1] or value
    local, _, domain = addr.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}" if domain else addr


# A Message-ID we repeat in In-Reply-To and References: RFC 5322's msg-id of printable
# ASCII, and short enough that a References header of several still folds into lines a
# server takes (RFC 5322 2.1.1: 998 octets). Anyone can write an answer's Message-ID; one
# that is not like this is never repeated.
_USABLE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,248}>")
MAX_REFERENCES = 10  # the first id of the thread and the newest ones (RFC 5322 3.6.4)


def usable_message_id(value: str) -> bool:
    return _USABLE_ID.fullmatch(value) is not None


def thread_references(ids: list[str]) -> list[str]:
    """References for a reply in a thread whose ids are `ids`, oldest first: only usable
    ids, at most MAX_REFERENCES (the thread's first, then the newest), so that one odd
    Message-ID in an answer never stops every later reply."""
    kept = [i for i in dict.fromkeys(ids) if usable_message_id(i)]
    if len(kept) > MAX_REFERENCES:
        kept = [kept[0], *kept[-(MAX_REFERENCES - 1) :]]
    return kept


def safe_filename(name: str) -> str:
    """A file name fit for a header parameter: no control characters, and no "=?" that
    the email package would decode as an encoded word (it could carry a line break)."""
    return _CONTROL.sub("_", unicodedata.normalize("NFC", name)).replace("=?", "=_")


def build(out: Outgoing) -> EmailMessage:
    """The rendered message parsed back, as a receiver sees it (for checks and tests)."""
    # Imported here: the email package's parser only for checks and tests.
    from email import message_from_bytes, policy

    return message_from_bytes(render(out), policy=policy.SMTPUTF8)  # type: ignore[return-value]


def render(out: Outgoing) -> bytes:
    """The message exactly as it goes on the wire (CRLF line ends), written directly: the
    one renderer of every message we send. (Building it with the email package's classes
    and then generating it cost more than the SMTP exchange itself: `outbox send` spent a
    third of its time there.) Every header value is checked for line breaks, non-ASCII
    text becomes RFC 2047 words, non-ASCII file names RFC 2231 parameters. An address with
    a non-ASCII local part is written as UTF-8 (RFC 6532), which the server accepts since
    the message goes with SMTPUTF8 (see sender.py)."""
    headers: list[tuple[str, str | Header]] = [
        ("From", _addresses([out.sender])),
        ("To", _addresses(out.to)),
    ]
    if out.cc:
        headers.append(("Cc", _addresses(out.cc)))
    headers += [
        ("Subject", _text_header(out.subject, "Subject")),
        ("Date", formatdate(localtime=True)),
        ("Message-ID", _no_breaks(out.message_id)),
    ]
    if out.in_reply_to:
        headers.append(("In-Reply-To", _no_breaks(out.in_reply_to)))
    if out.references:
        headers.append(("References", _no_breaks(" ".join(out.references))))
    headers += _extra_headers(out)
    text = [
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Transfer-Encoding", "base64"),
    ]
    body = _base64(out.body.encode("utf-8"))
    if not out.attachments and out.facts is None:
        return _head([*headers, ("MIME-Version", "1.0"), *text]) + b"\r\n" + body
    boundary = f"=============== support {uuid.uuid4().hex} =="
    parts = [_head(text) + b"\r\n" + body]
    manifest = []
    for name, content_type, path, sha256 in out.attachments:
        data = _checked_bytes(name, path, sha256)
        content_type = with_charset(content_type, data)
        parts.append(_attachment(name, content_type, data))
        manifest.append(_manifest_entry(name, content_type, data))
    if out.facts is not None:
        parts.append(_facts_part({**out.facts, "attachments": manifest}))
    top = [
        *headers,
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed; boundary="{boundary}"'),
    ]
    delimiter = f"--{boundary}\r\n".encode()
    return (
        _head(top)
        + b"\r\n"
        + b"".join(delimiter + part for part in parts)
        + f"--{boundary}--\r\n".encode()
    )


class _Folded(str):
    """A header value already folded where it may be (between addresses)."""


def _head(headers: Sequence[tuple[str, str | Header]]) -> bytes:
    lines = []
    for name, value in headers:
        if isinstance(value, _Folded) or (isinstance(value, str) and len(name) + len(value) < 77):
            lines.append(f"{name}: {value}\r\n")
        else:  # long or encoded: fold the way the email package does
            folded = value if isinstance(value, Header) else Header(value, header_name=name)
            lines.append(f"{name}: {folded.encode(linesep=chr(13) + chr(10))}\r\n")
    # Only an SMTPUTF8 message's addresses hold anything but ASCII.
    return "".join(lines).encode("utf-8")


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


class AttachmentChanged(Exception):
    """A stored copy's bytes are not the ones recorded: swapped or damaged since."""


def _checked_bytes(name: str, path: Path, sha256: str | None) -> bytes:
    """The file's bytes, read once, and refused if they are not the copy that was
    recorded (another local user or a damaged disk must not choose what is mailed)."""
    data = path.read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise AttachmentChanged(
            _(
                "the stored copy of {name} ({path}) is not the file that was attached: its "
                "SHA-256 differs; nothing was sent (attach the file again with "
                "`support email --edit` for a draft, or send a new inquiry)"
            ).format(name=name, path=path)
        )
    return data


# Korean text files come in UTF-8 or in the Windows code page (CP949, a superset of
# EUC-KR); a text part without its charset arrives garbled.
_TEXT_CHARSETS = (("utf-8", "utf-8"), ("euc-kr", "euc-kr"), ("cp949", "cp949"))


def text_charset(data: bytes) -> str | None:
    """The charset label a text attachment's bytes decode with: UTF-8, else EUC-KR (the
    label every mail program knows), else CP949; None when it is not text in any of them."""
    if b"\x00" in data:  # UTF-16 or binary: not text we can label
        return None
    for codec, label in _TEXT_CHARSETS:
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return label
    return None


def with_charset(content_type: str, data: bytes) -> str:
    """A text/* type with the charset of its bytes; bytes that are no known text go as
    application/octet-stream rather than as text a receiver would garble."""
    if not content_type.lower().startswith("text/") or "charset=" in content_type.lower():
        return content_type
    charset = text_charset(data)
    return f'{content_type}; charset="{charset}"' if charset else "application/octet-stream"


def _manifest_entry(name: str, content_type: str, data: bytes) -> dict[str, Any]:
    return {
        "filename": safe_filename(name),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "content_type": content_type,
    }


def _facts_part(facts: dict[str, Any]) -> bytes:
    """The facts for the desk's software: `support-inquiry.json` (schema in the README)."""
    # Imported here: json only for an escalation's part.
    import json

    data = json.dumps(facts, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    return _attachment(FACTS_FILENAME, 'application/json; charset="utf-8"', data)


def _attachment(name: str, content_type: str, data: bytes) -> bytes:
    safe = safe_filename(name)
    if safe.isascii():
        disposition = f'attachment; filename="{email.utils.quote(safe)}"'
    else:
        disposition = f"attachment; filename*={email.utils.encode_rfc2231(safe, 'utf-8')}"
    head = _head(
        [
            ("Content-Type", _no_breaks(content_type)),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-Disposition", disposition),
        ]
    )
    return head + b"\r\n" + _base64(data)


def _addresses(values: list[str]) -> _Folded:
    """An address header's value, folded between addresses when long: never inside one
    (an RFC 2047 word is not allowed in an address, and a UTF-8 one must stay whole)."""
    line, lines = "", []
    for address in map(_address, values):
        if line and len(line) + len(address) > 70:
            lines.append(line + ",")
            line = address
        else:
            line = f"{line}, {address}" if line else address
    return _Folded("\r\n ".join([*lines, line]))


@lru_cache(maxsize=1024)
def _address(value: str) -> str:
    """The name (RFC 2047 when not ASCII) and the address (IDNA domain; a non-ASCII local
    part as UTF-8, which only an SMTPUTF8 message carries)."""
    name, addr = parseaddr(_no_breaks(value))
    addr = envelope_address(addr or value)
    if not name:
        return addr
    # formataddr encodes and quotes the name, but refuses a non-ASCII address: give it a
    # stand-in address and put the real one in its place.
    return formataddr((name, "x@x"), charset="utf-8").removesuffix("<x@x>") + f"<{addr}>"


def _text_header(value: str, name: str) -> str | Header:
    """Non-ASCII text as RFC 2047 words, folded by compat32 after the header's name."""
    value = _no_breaks(value)
    return value if value.isascii() else Header(value, "utf-8", header_name=name)


def _no_breaks(value: str) -> str:
    """Values were checked before they got here; they are checked again rather than
    trusted, since a header is written here as is."""
    problem = header_problem(value)
    if problem:
        raise ValueError(_("refusing a header value: {problem}").format(problem=problem))
    return value


def _extra_headers(out: Outgoing) -> list[tuple[str, str | Header]]:
    extra: list[tuple[str, str | Header]] = [("X-Mailer", f"support/{__version__}")]
    if out.inquiry_id is not None:
        extra.append(("X-Support-Inquiry", str(out.inquiry_id)))
    if out.account and out.account.isprintable() and "=?" not in out.account:
        extra.append(("X-Support-Account", _text_header(out.account, "X-Support-Account")))
    return extra
