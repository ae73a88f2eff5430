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
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate, parseaddr
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

    @property
    def recipients(self) -> list[str]:
        return [envelope_address(a) for a in [*self.to, *self.cc]]

    @property
    def needs_smtputf8(self) -> bool:
        return any(not envelope_address(a).isascii() for a in [self.sender, *self.to, *self.cc])


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


def build(out: Outgoing) -> EmailMessage:
    msg = EmailMessage(policy=SMTPUTF8 if out.needs_smtputf8 else SMTP)
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
    msg["X-Mailer"] = f"support/{__version__}"
    if out.inquiry_id is not None:
        msg["X-Support-Inquiry"] = str(out.inquiry_id)
    if out.account and out.account.isprintable() and "=?" not in out.account:
        msg["X-Support-Account"] = out.account
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
