"""What an email inquiry carries besides the customer's words: its Message-ID and its
From. (The transcript of a chat it continues is mail/facts.py's.)"""

from __future__ import annotations

from email.utils import make_msgid

from supportcli.addresses import NAME_MAX, bare_address, normalize_address
from supportcli.config import Settings
from supportcli.errors import BadInput
from supportcli.i18n import _
from supportcli.mail.checks import check_header_text


def new_message_id(sender: str) -> str:
    """A Message-ID made once per inquiry and kept: resends reuse it, so the desk sees
    one message, and answers can be matched to it."""
    domain = bare_address(sender).rpartition("@")[2] or "support.invalid"
    return make_msgid(domain=domain.encode("idna").decode("ascii"))


def sender_of(settings: Settings) -> str:
    """From: the customer's name and address, checked."""

    address = settings.require("user.email")
    name = check_header_text(settings.text("user.name"), field="user.name").strip()
    if len(name) > NAME_MAX:
        raise BadInput(
            _("{field}: keep the name under {max} characters").format(
                field="user.name", max=NAME_MAX
            )
        )
    check_header_text(settings.text("user.account"), field="user.account")
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return normalize_address(f'"{quoted}" <{address}>' if name else address, field="user.email")
