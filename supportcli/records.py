"""The history's records as typed values, and every status an inquiry can have with the
one table of how it may change. Cheap to import (dataclasses and enums only): the read
path builds these straight from sqlite3's rows."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

from supportcli.errors import BadInput
from supportcli.i18n import _


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class ChatStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    ESCALATED = "escalated"


class EmailStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    ANSWERED = "answered"
    CLOSED = "closed"


class Delivery(StrEnum):
    """Where an outgoing follow-up stands (the first message's is the envelope's sent_at)."""

    PENDING = "pending"
    SENT = "sent"


STATUSES: dict[Channel, tuple[str, ...]] = {
    Channel.CHAT: tuple(ChatStatus),
    Channel.EMAIL: tuple(EmailStatus),
}
ALL_STATUSES: tuple[str, ...] = (*ChatStatus, *EmailStatus)


class Event(StrEnum):
    """What happens to an inquiry; each may change its status (see TRANSITIONS)."""

    CHAT_START = "chat start"
    CHAT_RESUME = "chat resume"
    CHAT_SOLVED = "chat solved"
    CHAT_UNSOLVED = "chat unsolved"
    CHAT_ESCALATE = "chat escalate"
    EMAIL_DRAFT = "email draft"
    EMAIL_QUEUE = "email queue"
    EMAIL_SENT = "email sent"
    EMAIL_DEFERRED = "email deferred"
    EMAIL_FAILED = "email failed"
    EMAIL_FOLLOW_UP = "email follow-up"
    EMAIL_ANSWERED = "email answered"
    EMAIL_CLOSE = "email close"
    EMAIL_REOPEN = "email reopen"


NEW = ""  # the "status" of an inquiry that is not recorded yet
BEFORE_CLOSING = None  # a target: the status the inquiry had when it was closed

_CHAT = frozenset(ChatStatus)
_SENDABLE = frozenset({EmailStatus.DRAFT, EmailStatus.QUEUED, EmailStatus.FAILED})
_WENT_OUT = frozenset(EmailStatus) - {EmailStatus.DRAFT}
# An answer makes an inquiry `answered` only when nothing of ours waits in the outbox
# (queued, failed): the waiting follow-up must still go, and an answer to an inquiry that
# never went out is forged. A follow-up sent after an answer came (a history from before
# this rule can hold one) leaves `answered` like any other sendable status.
_AWAITING = frozenset({EmailStatus.SENT, EmailStatus.ANSWERED, EmailStatus.CLOSED})
_SENDING = _SENDABLE | {EmailStatus.ANSWERED}
E = EmailStatus

# event: (the statuses it may happen in, the status it leads to)
TRANSITIONS: dict[Event, tuple[frozenset[str], str | None]] = {
    Event.CHAT_START: (frozenset({NEW}), ChatStatus.OPEN),
    Event.CHAT_RESUME: (_CHAT, ChatStatus.OPEN),
    Event.CHAT_SOLVED: (frozenset({ChatStatus.OPEN}), ChatStatus.RESOLVED),
    Event.CHAT_UNSOLVED: (frozenset({ChatStatus.OPEN}), ChatStatus.UNRESOLVED),
    Event.CHAT_ESCALATE: (_CHAT, ChatStatus.ESCALATED),
    Event.EMAIL_DRAFT: (frozenset({NEW, E.DRAFT}), E.DRAFT),
    Event.EMAIL_QUEUE: (frozenset({NEW, E.DRAFT}), E.QUEUED),
    Event.EMAIL_SENT: (_SENDING, E.SENT),
    Event.EMAIL_DEFERRED: (_SENDING, E.QUEUED),
    Event.EMAIL_FAILED: (_SENDING, E.FAILED),
    Event.EMAIL_FOLLOW_UP: (_WENT_OUT, E.QUEUED),
    Event.EMAIL_ANSWERED: (_AWAITING, E.ANSWERED),
    Event.EMAIL_CLOSE: (frozenset(EmailStatus) - {E.CLOSED}, E.CLOSED),
    Event.EMAIL_REOPEN: (frozenset({E.CLOSED}), BEFORE_CLOSING),
}
SEND_OUTCOMES = {
    "sent": Event.EMAIL_SENT,
    "queued": Event.EMAIL_DEFERRED,
    "failed": Event.EMAIL_FAILED,
}


class RefusedTransition(BadInput):
    """An event that cannot happen to an inquiry in its current status."""


def next_status(event: Event, current: str, *, before_closing: str | None = None) -> str:
    """The status `event` leads to from `current` (NEW for an inquiry not yet recorded);
    refused with one line when the table does not allow it."""
    sources, target = TRANSITIONS[event]
    if current not in sources:
        raise RefusedTransition(
            _("an inquiry that is {status} cannot take '{event}'").format(
                status=current or "new", event=event
            )
        )
    if target is BEFORE_CLOSING:
        target = before_closing if before_closing in _WENT_OUT - {E.CLOSED} else E.SENT
    return str(target)  # a plain str: database drivers may store an Enum by its name


@dataclass(frozen=True)
class Message:
    id: int
    role: str
    body: str
    created_at: str
    meta: dict[str, object] | None = None
    message_id: str | None = None  # the RFC 5322 Message-ID of a mailed message
    delivery: str | None = None  # Delivery, for a follow-up
    sender: str | None = None  # an answer's From address, as filed by `sync`
    verified: bool | None = None  # an answer from the desk (None: not an answer by mail)
    raw_sha256: str | None = None  # its original bytes, kept (see `support show --raw`)
    raw_size: int | None = None

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "id": self.id,
            "role": self.role,
            "body": self.body,
            "created_at": self.created_at,
        }
        for name in ("meta", "message_id", "delivery"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        if self.verified is not None:  # CONTRACT, second wave: answers from strangers
            found["from"] = self.sender or ""
            found["verified"] = self.verified
        if self.raw_sha256 is not None:
            found["raw"] = {"sha256": self.raw_sha256, "size": self.raw_size}
        return found


@dataclass(frozen=True)
class Envelope:
    sender: str
    to: list[str]
    cc: list[str]
    message_id: str
    sent_at: str | None = None
    attempts: int = 0
    last_error: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.sender,
            "to": list(self.to),
            "cc": list(self.cc),
            "message_id": self.message_id,
            "sent_at": self.sent_at,
            "attempts": self.attempts,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class Attachment:
    filename: str
    size: int
    sha256: str
    content_type: str
    message_id: int | None = None  # the message it came with

    def as_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "size": self.size,
            "sha256": self.sha256,
            "content_type": self.content_type,
            "message_id": self.message_id,
        }


@dataclass(frozen=True)
class Inquiry:
    """One chat or email inquiry. The first fields are the inquiry table's columns in the
    order the store selects them (INQUIRY_COLUMNS); the rest are filled from other tables."""

    id: int
    channel: str
    topic: str
    subject: str
    status: str
    created_at: str
    updated_at: str
    agent: str | None
    rating: int | None
    parent_id: int | None
    previous_status: str | None
    last_role: str | None
    last_message_at: str | None
    messages: tuple[Message, ...] = field(default=())
    email: Envelope | None = None
    attachments: tuple[Attachment, ...] = field(default=())

    def as_json(self, *, messages: bool = True) -> dict[str, object]:
        """The JSON record of CONTRACT.md (`list --json` leaves out the messages)."""
        found: dict[str, object] = {name: getattr(self, name) for name in INQUIRY_COLUMNS}
        if messages:
            found["messages"] = [m.as_json() for m in self.messages]
        found["email"] = self.email.as_json() if self.email else None
        found["attachments"] = [a.as_json() for a in self.attachments]
        return found


@dataclass(frozen=True)
class Answer:
    """An answer read from the mailbox, to be filed under the inquiry it answers."""

    inquiry_id: int
    message_id: str  # its own Message-ID (made up from its bytes when it has none)
    body: str  # its own words, the quoted thread cut off
    sender: str
    subject: str
    date: str  # its Date header, as written
    at: str  # when it was written, as stored (UTC ISO 8601)
    sender_address: str = ""  # the bare From address, lower-cased
    verified: bool = True  # from the desk: only then does it change the inquiry's status
    notes: tuple[str, ...] = ()  # what was left out of it, and why

    def meta(self) -> dict[str, object]:
        """What the stored message keeps of its headers."""
        found: dict[str, object] = {"from": self.sender, "subject": self.subject, "date": self.date}
        if self.notes:
            found["notes"] = list(self.notes)
        return found


@dataclass(frozen=True)
class MailboxPosition:
    """How far `support sync` has read a mailbox: its UIDs are valid while `uidvalidity`
    stays the same."""

    mailbox: str  # user@host:port/folder
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class UnreadMail:
    """A message `sync` could not file: its original is kept for `sync --retry`."""

    id: int
    mailbox: str
    uid: int
    reason: str  # one line
    raw_sha256: str
    raw_size: int
    kept_at: str

    def as_json(self) -> dict[str, object]:
        return {"uid": self.uid, "mailbox": self.mailbox, "reason": self.reason}


INQUIRY_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(Inquiry) if f.name not in ("messages", "email", "attachments")
)
