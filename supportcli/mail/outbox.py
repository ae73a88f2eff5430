"""Recording email inquiries for the outbox: each is in the history before the first
byte goes to the server, with the Message-ID it keeps for good. The queue itself is
`store.outbox`, the claim `mail.claim`, the send loop `mail.delivery`; `send`, `Result`,
`SENDABLE` and `RETRIED` are named here too, for the commands."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from supportcli.errors import BadInput
from supportcli.i18n import _
from supportcli.mail.checks import CheckedFile
from supportcli.mail.claim import RETRIED, SENDABLE, Result
from supportcli.mail.delivery import send
from supportcli.mail.drafts import new_message_id
from supportcli.records import NEW, Channel, EmailStatus, Event, Inquiry, Role, next_status
from supportcli.store import attachments, reads, writes
from supportcli.store import outbox as queue
from supportcli.store.attachments import StoredFile
from supportcli.store.db import transaction
from supportcli.store.dialect import Database
from supportcli.store.reads import Filters

__all__ = [
    "RETRIED",
    "SENDABLE",
    "Composed",
    "Result",
    "list_outbox",
    "pending",
    "record",
    "send",
]


@dataclass
class Composed:
    """An email as the customer wrote it, checked, not yet recorded: a new inquiry, or
    (`reply_to` set) a follow-up in that inquiry's thread, where only the body and the
    files count (the thread keeps its subject, topic and addresses)."""

    body: str
    topic: str = "other"
    subject: str = ""
    sender: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    files: list[CheckedFile] = field(default_factory=list)
    parent_id: int | None = None  # the chat this inquiry continues
    details: dict[str, str] | None = None  # the composer's answers, to edit a draft later
    reply_to: int | None = None
    # What the personal-data guard masked and kept, as kinds and counts (mail/privacy.py).
    pii: dict[str, dict[str, int]] | None = None

    def meta(self) -> dict[str, object] | None:
        """The message's meta: the form's answers (an empty dict is kept too: the form's
        questions are still to be answered) and what the guard masked."""
        found: dict[str, object] = {}
        if self.details is not None:
            found["details"] = self.details
        if self.pii is not None:
            found["pii"] = self.pii
        return found or None


def record(db: Database, composed: Composed, *, status: str, replacing: int | None = None) -> int:
    """The one way an email enters the history, before any byte goes to a server: a new
    inquiry (from flags, the composer or a chat), an edited draft saved over itself
    (`replacing`), or a follow-up (`composed.reply_to`). `status` is `draft` or `queued`
    (a follow-up is always queued). Private copies of the files are made first; the rows
    go in one transaction. Returns the inquiry's id."""
    copies = [attachments.keep_copy(f.path, filename=f.name) for f in composed.files]
    if composed.reply_to is not None:
        _follow_up(db, composed, copies)
        return composed.reply_to
    event = Event.EMAIL_DRAFT if status == EmailStatus.DRAFT else Event.EMAIL_QUEUE
    if replacing is not None:
        _replace(db, replacing, composed, copies, event)
        return replacing
    return _new(db, composed, copies, next_status(event, NEW))


def _new(db: Database, composed: Composed, copies: list[StoredFile], status: str) -> int:
    meta = composed.meta()
    with transaction(db):
        inquiry_id = writes.create_inquiry(
            db,
            channel=Channel.EMAIL,
            topic=composed.topic,
            status=status,
            subject=composed.subject,
            parent_id=composed.parent_id,
        )
        message_id = writes.add_message(
            db, inquiry_id=inquiry_id, role=Role.CUSTOMER, body=composed.body, meta=meta
        )
        for stored in copies:
            writes.add_attachment(db, inquiry_id=inquiry_id, message_id=message_id, stored=stored)
        writes.add_envelope(
            db,
            inquiry_id=inquiry_id,
            sender=composed.sender,
            to=composed.to,
            cc=composed.cc,
            message_id=new_message_id(composed.sender),
        )
        if composed.parent_id is not None:
            writes.change_status(db, composed.parent_id, Event.CHAT_ESCALATE)
    return inquiry_id


def _replace(
    db: Database, inquiry_id: int, composed: Composed, copies: list[StoredFile], event: Event
) -> None:
    """Save an edited draft over the old one, keeping its id and Message-ID."""
    current = reads.status_of(db, inquiry_id)
    if current != EmailStatus.DRAFT:
        raise BadInput(
            _("inquiry {id} is {status}, not a draft").format(id=inquiry_id, status=current)
        )
    meta = composed.meta()
    queue.replace_draft(
        db,
        inquiry_id=inquiry_id,
        subject=composed.subject,
        topic=composed.topic,
        event=event,
        body=composed.body,
        meta=json.dumps(meta, ensure_ascii=False) if meta is not None else None,
        sender=composed.sender,
        to=composed.to,
        cc=composed.cc,
        copies=copies,
    )


def _follow_up(db: Database, composed: Composed, copies: list[StoredFile]) -> None:
    """A follow-up in the thread, as a pending customer message; the inquiry waits in the
    outbox until it is sent."""
    assert composed.reply_to is not None
    inquiry_id = composed.reply_to
    rec = reads.get_record(db, inquiry_id)
    if rec.channel != Channel.EMAIL or rec.email is None:
        raise BadInput(
            _("inquiry {id} is a chat; continue it with `support chat --resume {id}`").format(
                id=inquiry_id
            )
        )
    if rec.status == EmailStatus.DRAFT:
        raise BadInput(
            _("inquiry {id} is still a draft: send it first (`support outbox send {id}`)").format(
                id=inquiry_id
            )
        )
    queue.add_follow_up(
        db,
        inquiry_id=inquiry_id,
        body=composed.body,
        rfc_message_id=new_message_id(rec.email.sender),
        copies=copies,
        meta=composed.meta(),
    )


def pending(db: Database) -> list[int]:
    """What `outbox send` picks up without an id."""
    return queue.pending(db, statuses=RETRIED)


def list_outbox(db: Database) -> list[Inquiry]:
    """Drafts, queued and failed inquiries, oldest first."""
    rows = []
    for status in SENDABLE:
        rows += reads.list_rows(db, Filters(channel=Channel.EMAIL, status=status, limit=0))
    return sorted(rows, key=lambda r: r.id)
