"""What the counsellor reads first: the room's name and the handoff note (the topic, who
the customer is, and the chat so far: the customer's lines and the articles shown)."""

from __future__ import annotations

from supportcli.config import Settings
from supportcli.i18n import _, tr
from supportcli.records import Inquiry, Role
from supportcli.text import one_clean_line

NAME_CHARS = 80


def room_name(chat: Inquiry) -> str:
    """`#12 payment: 결제가 두 번 됐어요`"""
    subject = one_clean_line(chat.subject) or _("(no subject yet)")
    name = f"#{chat.id} {chat.topic}: {subject}"
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def note(chat: Inquiry, settings: Settings) -> str:
    lines = [
        tr("Chat #{id} handed over from the support command line", id=chat.id),
        tr("Topic: {topic}", topic=chat.topic),
        tr("Customer: {who}", who=_customer(settings)),
    ]
    if chat.subject:
        lines.append(tr("Subject: {subject}", subject=one_clean_line(chat.subject)))
    said = list(_transcript(chat))
    if said:
        lines += ["", _("The chat so far:"), *said]
    else:
        lines += ["", _("The customer has not written anything yet.")]
    return "\n".join(lines)


def _customer(settings: Settings) -> str:
    name, email = settings.text("user.name"), settings.text("user.email")
    who = f"{name} <{email}>" if email else name
    account = settings.text("user.account")
    return tr("{who}, account {account}", who=who, account=account) if account else who


def _transcript(chat: Inquiry) -> list[str]:
    lines: list[str] = []
    for message in chat.messages:
        if message.role == Role.CUSTOMER:
            lines.append(tr("customer: {text}", text=message.body))
        elif message.role == Role.AGENT:
            for cited in _citations(message.meta):
                lines.append(tr("article shown: {title} {link}", **cited))
    return lines


def _citations(meta: dict[str, object] | None) -> list[dict[str, str]]:
    found = (meta or {}).get("citations")
    if not isinstance(found, list):
        return []
    return [
        {"title": str(c.get("title", "")), "link": str(c.get("link", ""))}
        for c in found
        if isinstance(c, dict)
    ]
