"""Recording email inquiries before anything is sent: drafts, and drafts made from chats."""

from __future__ import annotations

from email.utils import make_msgid

from supportcli.addresses import bare_address
from supportcli.config import Settings
from supportcli.errors import BadInput
from supportcli.records import NEW, Event, next_status
from supportcli.store import reads, writes
from supportcli.store.db import transaction
from supportcli.store.dialect import Database
from supportcli.text import one_clean_line

ROLE_NAMES = {"customer": "Customer / 고객", "agent": "Agent / 상담원", "system": "System"}


def new_message_id(sender: str) -> str:
    """A Message-ID made once per inquiry and kept: resends reuse it, so the desk sees
    one message, and answers can be matched to it."""
    domain = bare_address(sender).rpartition("@")[2] or "support.invalid"
    return make_msgid(domain=domain.encode("idna").decode("ascii"))


def sender_of(settings: Settings) -> str:
    """From: the customer's name and address, checked."""
    from supportcli.addresses import NAME_MAX, normalize_address
    from supportcli.mail.checks import check_header_text

    address = settings.require("user.email")
    name = check_header_text(settings.text("user.name"), field="user.name").strip()
    if len(name) > NAME_MAX:
        raise BadInput(f"user.name: keep the name under {NAME_MAX} characters")
    check_header_text(settings.text("user.account"), field="user.account")
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return normalize_address(f'"{quoted}" <{address}>' if name else address, field="user.email")


def chat_transcript(record: dict[str, object]) -> str:
    """A chat as plain text for an email body."""
    from supportcli.text import local_time

    lines = [
        f"Chat consultation #{record['id']} ({record['topic']}), "
        f"started {local_time(str(record['created_at']))}",
        "",
    ]
    for message in record["messages"]:  # type: ignore[attr-defined]
        lines.append(f"[{local_time(message['created_at'])}] {ROLE_NAMES[message['role']]}:")
        lines.append(str(message["body"]))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def draft_from_chat(db: Database, chat_id: int, settings: Settings) -> int:
    """Record an email draft carrying the chat's transcript; the chat becomes escalated."""
    chat = reads.get_record(db, chat_id)
    if chat["channel"] != "chat":
        raise ValueError(f"inquiry {chat_id} is not a chat")
    sender = sender_of(settings)
    desk = settings.text("desk.email")
    intro = (
        "아래 채팅 상담으로 해결되지 않아 이메일로 문의드립니다.\n"
        "The chat below did not solve my problem, so I am following up by email.\n\n"
    )
    with transaction(db):
        email_id = writes.create_inquiry(
            db,
            channel="email",
            topic=str(chat["topic"]),
            status=next_status(Event.EMAIL_DRAFT, NEW),
            subject=one_clean_line(str(chat["subject"])) or f"Chat #{chat_id}",
            parent_id=chat_id,
        )
        writes.add_message(
            db, inquiry_id=email_id, role="customer", body=intro + chat_transcript(chat)
        )
        writes.add_envelope(
            db,
            inquiry_id=email_id,
            sender=sender,
            to=[desk] if desk else [],
            cc=[],
            message_id=new_message_id(sender),
        )
        escalated = next_status(Event.CHAT_ESCALATE, str(chat["status"]))
        writes.update_inquiry(db, chat_id, status=escalated)
    return email_id
