"""The MIME message of an inquiry, built with the standard library.

Composition is ours, not yagmail's: yagmail's builder turns the text part's newlines into
`<br>`, puts the text unescaped into an HTML part, and attaches any body that happens to be
a file path. Here the text/plain part is exactly the customer's text (UTF-8, base64, so any
line length and every byte survive), there is no HTML part, and attachments come only
from the history's private copies."""

from __future__ import annotations

import base64
import email.utils
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTPUTF8
from email.utils import formataddr, formatdate, parseaddr
from functools import cached_property
from pathlib import Path

from supportcli import __version__
from supportcli.text import header_problem

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")  # file names may hold anything


@dataclass
class Outgoing:
    sender: str
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    message_id: str
    attachments: list[tuple[str, str, Path]] = field(default_factory=list)  # name, type, file
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    account: str | None = None
    inquiry_id: int | None = None
    message_row: int | None = None  # the history's message this is

    @cached_property
    def recipients(self) -> list[str]:
        return [envelope_address(a) for a in [*self.to, *self.cc]]

    @cached_property
    def needs_smtputf8(self) -> bool:
        return not envelope_address(self.sender).isascii() or not all(
            a.isascii() for a in self.recipients
        )


def envelope_address(value: str) -> str:
    """The address for MAIL FROM / RCPT TO: IDN domains in their ASCII (punycode) form."""
    addr = parseaddr(value)[1] or value
    local, _, domain = addr.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}" if domain else addr


def _header_address(value: str) -> Address:
    name, addr = parseaddr(_no_breaks(value))
    local, _, domain = (addr or value).rpartition("@")
    return Address(display_name=name, username=local, domain=domain.encode("idna").decode("ascii"))


def safe_filename(name: str) -> str:
    """A file name fit for a header parameter: no control characters, and no "=?" that
    the email package would decode as an encoded word (it could carry a line break)."""
    return _CONTROL.sub("_", unicodedata.normalize("NFC", name)).replace("=?", "=_")


def _set_exact_text(part: EmailMessage, body: str) -> None:
    """text/plain, UTF-8, base64 of exactly the customer's bytes. (`set_content` would
    rewrite line endings and add a final newline.)"""
    part["Content-Type"] = 'text/plain; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(body.encode("utf-8")).decode("ascii"))
    part["MIME-Version"] = "1.0"


def render(out: Outgoing) -> bytes:
    """The message exactly as it goes on the wire (CRLF line ends). ASCII addresses (nearly
    all) are written directly; an address with a non-ASCII local part needs SMTPUTF8 and the
    modern email policy."""
    return _build_utf8(out).as_bytes() if out.needs_smtputf8 else _render_fast(out)


def build(out: Outgoing) -> EmailMessage:
    """The rendered message parsed back, as a receiver sees it (for checks and tests)."""
    from email import message_from_bytes, policy

    return message_from_bytes(render(out), policy=policy.SMTPUTF8)  # type: ignore[return-value]


def _render_fast(out: Outgoing) -> bytes:
    """The MIME message written directly. (Building it with the email package's classes
    and then generating it cost more than the SMTP exchange itself: `outbox send` spent a
    third of its time there.) Every header value is checked for line breaks, non-ASCII
    text becomes RFC 2047 words, non-ASCII file names RFC 2231 parameters."""
    headers: list[tuple[str, str | Header]] = [
        ("From", _ascii_address(out.sender)),
        ("To", ", ".join(_ascii_address(a) for a in out.to)),
    ]
    if out.cc:
        headers.append(("Cc", ", ".join(_ascii_address(a) for a in out.cc)))
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
    if not out.attachments:
        return _head([*headers, ("MIME-Version", "1.0"), *text]) + b"\r\n" + body
    boundary = f"=============== support {uuid.uuid4().hex} =="
    parts = [_head(text) + b"\r\n" + body]
    for name, content_type, path in out.attachments:
        parts.append(_attachment(name, content_type, path))
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


def _head(headers: Sequence[tuple[str, str | Header]]) -> bytes:
    lines = []
    for name, value in headers:
        if isinstance(value, str) and len(name) + len(value) < 77:
            lines.append(f"{name}: {value}\r\n")
        else:  # long or encoded: fold the way the email package does
            folded = value if isinstance(value, Header) else Header(value, header_name=name)
            lines.append(f"{name}: {folded.encode(linesep=chr(13) + chr(10))}\r\n")
    return "".join(lines).encode("ascii")


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _attachment(name: str, content_type: str, path: Path) -> bytes:
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
    return head + b"\r\n" + _base64(path.read_bytes())


def _ascii_address(value: str) -> str:
    name, addr = parseaddr(_no_breaks(value))
    return formataddr((name, envelope_address(addr or value)), charset="utf-8")


def _text_header(value: str, name: str) -> str | Header:
    """Non-ASCII text as RFC 2047 words, folded by compat32 after the header's name."""
    value = _no_breaks(value)
    return value if value.isascii() else Header(value, "utf-8", header_name=name)


def _no_breaks(value: str) -> str:
    """Values were checked before they got here; they are checked again rather than
    trusted, since a header is written here as is."""
    problem = header_problem(value)
    if problem:
        raise ValueError(f"refusing a header value: {problem}")
    return value


def _extra_headers(out: Outgoing) -> list[tuple[str, str | Header]]:
    extra: list[tuple[str, str | Header]] = [("X-Mailer", f"support/{__version__}")]
    if out.inquiry_id is not None:
        extra.append(("X-Support-Inquiry", str(out.inquiry_id)))
    if out.account and out.account.isprintable() and "=?" not in out.account:
        extra.append(("X-Support-Account", _text_header(out.account, "X-Support-Account")))
    return extra


def _build_utf8(out: Outgoing) -> EmailMessage:
    msg = EmailMessage(policy=SMTPUTF8)
    msg["From"] = _header_address(out.sender)
    msg["To"] = [_header_address(a) for a in out.to]
    if out.cc:
        msg["Cc"] = [_header_address(a) for a in out.cc]
    msg["Subject"] = _no_breaks(out.subject)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = out.message_id
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
    if out.references:
        msg["References"] = " ".join(out.references)
    for key, value in _extra_headers(out):
        msg[key] = value
    _set_exact_text(msg, out.body)
    for name, content_type, path in out.attachments:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(
            path.read_bytes(),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=safe_filename(name),
        )
    return msg
