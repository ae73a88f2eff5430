"""The MIME message of an inquiry, built with the standard library.

Composition is ours, not yagmail's: yagmail's builder turns the text part's newlines into
`<br>`, puts the text unescaped into an HTML part, and attaches any body that happens to be
a file path. Here the text/plain part is exactly the customer's text (UTF-8, base64, so any
line length and every byte survive), there is no HTML part, and attachments come only
from the history's private copies."""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, field
from email import encoders
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.policy import SMTPUTF8, compat32
from email.utils import formataddr, formatdate, parseaddr
from functools import cached_property
from pathlib import Path

from supportcli import __version__

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
    name, addr = parseaddr(value)
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


def build(out: Outgoing) -> Message:
    """The message to send. ASCII addresses (nearly all) take the fast compat32 builder;
    an address with a non-ASCII local part needs SMTPUTF8 and the modern email policy."""
    return _build_utf8(out) if out.needs_smtputf8 else _build_fast(out)


def as_wire_bytes(msg: Message) -> bytes:
    """The message exactly as it goes on the wire, CRLF line ends (smtplib sends bytes as
    given, and compat32 would otherwise write bare LF)."""
    if isinstance(msg, EmailMessage):
        return msg.as_bytes()
    return msg.as_bytes(policy=compat32.clone(linesep="\r\n"))


def _build_fast(out: Outgoing) -> Message:
    """The same message with the compat32 classes, which skip parsing every header we set
    (that parsing was a third of `outbox send`)."""
    headers: list[tuple[str, str | Header]] = [
        ("From", _ascii_address(out.sender)),
        ("To", ", ".join(_ascii_address(a) for a in out.to)),
    ]
    if out.cc:
        headers.append(("Cc", ", ".join(_ascii_address(a) for a in out.cc)))
    headers += [
        ("Subject", _text_header(out.subject, "Subject")),
        ("Date", formatdate(localtime=True)),
        ("Message-ID", out.message_id),
    ]
    if out.in_reply_to:
        headers.append(("In-Reply-To", out.in_reply_to))
    if out.references:
        headers.append(("References", " ".join(out.references)))
    headers += _extra_headers(out)
    text = Message()
    text["Content-Type"] = 'text/plain; charset="utf-8"'
    text["Content-Transfer-Encoding"] = "base64"
    text.set_payload(base64.encodebytes(out.body.encode("utf-8")).decode("ascii"))
    if out.attachments:
        msg: Message = MIMEMultipart()
        msg.attach(text)
        for name, content_type, path in out.attachments:
            msg.attach(_attachment(name, content_type, path))
    else:
        msg = text
        msg["MIME-Version"] = "1.0"
    for key, value in headers:
        msg[key] = value
    return msg


def _ascii_address(value: str) -> str:
    name, addr = parseaddr(_no_breaks(value))
    return formataddr((name, envelope_address(addr or value)), charset="utf-8")


def _text_header(value: str, name: str) -> str | Header:
    """Non-ASCII text as RFC 2047 words, folded by compat32 after the header's name."""
    value = _no_breaks(value)
    return value if value.isascii() else Header(value, "utf-8", header_name=name)


def _no_breaks(value: str) -> str:
    """Values were checked before they got here; compat32 would write a line break as
    is, so one is refused here too rather than trusted."""
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError("refusing a line break in a header value")
    return value


def _extra_headers(out: Outgoing) -> list[tuple[str, str | Header]]:
    extra: list[tuple[str, str | Header]] = [("X-Mailer", f"support/{__version__}")]
    if out.inquiry_id is not None:
        extra.append(("X-Support-Inquiry", str(out.inquiry_id)))
    if out.account and out.account.isprintable() and "=?" not in out.account:
        extra.append(("X-Support-Account", _text_header(out.account, "X-Support-Account")))
    return extra


def _attachment(name: str, content_type: str, path: Path) -> MIMEBase:
    maintype, _, subtype = content_type.partition("/")
    part = MIMEBase(maintype, subtype or "octet-stream")
    part.set_payload(path.read_bytes())
    encoders.encode_base64(part)
    safe = safe_filename(name)
    filename = safe if safe.isascii() else ("utf-8", "", safe)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _build_utf8(out: Outgoing) -> EmailMessage:
    msg = EmailMessage(policy=SMTPUTF8)
    msg["From"] = _header_address(out.sender)
    msg["To"] = [_header_address(a) for a in out.to]
    if out.cc:
        msg["Cc"] = [_header_address(a) for a in out.cc]
    msg["Subject"] = out.subject
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
