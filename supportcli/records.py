"""The history's records as typed values, and every status an inquiry can have with the
one table of how it may change. Cheap to import (dataclasses and enums only): the read
path builds these straight from sqlite3's rows."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field, fields
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


class _Frozen:
    """What `@dataclass(frozen=True)` generated for the records below, written once here:
    generating it compiled six methods per class on every start (~6 ms, a quarter of what
    `support show` costs beyond starting the CLI). They are still dataclasses (fields,
    replace and asdict work), declared with init=False, repr=False, eq=False: each writes
    its own __init__, and the rest is here. Instances cannot be changed."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__qualname__}({shown})"


@dataclass(init=False, repr=False, eq=False)
class Message(_Frozen):
    """One message of an inquiry."""

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

    def __init__(
        self,
        id: int,  # noqa: A002 (the field's name)
        role: str,
        body: str,
        created_at: str,
        meta: dict[str, object] | None = None,
        message_id: str | None = None,
        delivery: str | None = None,
        sender: str | None = None,
        verified: bool | None = None,
        raw_sha256: str | None = None,
        raw_size: int | None = None,
    ) -> None:
        self.__dict__.update(
            id=id, role=role, body=body, created_at=created_at, meta=meta,
            message_id=message_id, delivery=delivery, sender=sender, verified=verified,
            raw_sha256=raw_sha256, raw_size=raw_size,
        )  # fmt: skip

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


@dataclass(init=False, repr=False, eq=False)
class Envelope(_Frozen):
    """How an email inquiry went out."""

    sender: str
    to: list[str]
    cc: list[str]
    message_id: str
    sent_at: str | None = None
    attempts: int = 0
    last_error: str | None = None

    def __init__(
        self,
        sender: str,
        to: list[str],
        cc: list[str],
        message_id: str,
        sent_at: str | None = None,
        attempts: int = 0,
        last_error: str | None = None,
    ) -> None:
        self.__dict__.update(
            sender=sender, to=to, cc=cc, message_id=message_id, sent_at=sent_at,
            attempts=attempts, last_error=last_error,
        )  # fmt: skip

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


@dataclass(init=False, repr=False, eq=False)
class Attachment(_Frozen):
    """A file that came with a message (kept by its sha256)."""

    filename: str
    size: int
    sha256: str
    content_type: str
    message_id: int | None = None  # the message it came with

    def __init__(
        self,
        filename: str,
        size: int,
        sha256: str,
        content_type: str,
        message_id: int | None = None,
    ) -> None:
        self.__dict__.update(
            filename=filename, size=size, sha256=sha256, content_type=content_type,
            message_id=message_id,
        )  # fmt: skip

    def as_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "size": self.size,
            "sha256": self.sha256,
            "content_type": self.content_type,
            "message_id": self.message_id,
        }


@dataclass(init=False, repr=False, eq=False)
class Inquiry(_Frozen):
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

    def __init__(
        self,
        id: int,  # noqa: A002 (the field's name)
        channel: str,
        topic: str,
        subject: str,
        status: str,
        created_at: str,
        updated_at: str,
        agent: str | None,
        rating: int | None,
        parent_id: int | None,
        previous_status: str | None,
        last_role: str | None,
        last_message_at: str | None,
        messages: tuple[Message, ...] = (),
        email: Envelope | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        self.__dict__.update(
            id=id, channel=channel, topic=topic, subject=subject, status=status,
            created_at=created_at, updated_at=updated_at, agent=agent, rating=rating,
            parent_id=parent_id, previous_status=previous_status, last_role=last_role,
            last_message_at=last_message_at, messages=messages, email=email,
            attachments=attachments,
        )  # fmt: skip

    def as_json(self, *, messages: bool = True) -> dict[str, object]:
        """The JSON record of CONTRACT.md (`list --json` leaves out the messages)."""
        found: dict[str, object] = {name: getattr(self, name) for name in INQUIRY_COLUMNS}
        if messages:
            found["messages"] = [m.as_json() for m in self.messages]
        found["email"] = self.email.as_json() if self.email else None
        found["attachments"] = [a.as_json() for a in self.attachments]
        return found


INQUIRY_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(Inquiry) if f.name not in ("messages", "email", "attachments")
)
