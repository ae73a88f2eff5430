"""Recording email inquiries for the outbox: each is in the history before the first
byte goes to the server, with the Message-ID it keeps for good. The queue itself is
`store.outbox`, the claim `mail.claim`, the send loop `mail.delivery`; `send`, `Result`,
`SENDABLE` and `RETRIED` are named here too, for the commands."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from supportcli.errors import BadInput
from supportcli.mail.checks import CheckedFile
from supportcli.mail.claim import RETRIED, SENDABLE, Result
from supportcli.mail.delivery import send
from supportcli.mail.drafts import new_message_id
from supportcli.store import attachments, reads, writes
from supportcli.store import outbox as queue
from supportcli.store.db import transaction
from supportcli.store.dialect import Database

__all__ = [
    "RETRIED",
    "SENDABLE",
    "Composed",
    "Result",
    "add_follow_up",
    "list_outbox",
    "pending",
    "record",
    "replace_draft",
    "send",
]


@dataclass
class Composed:
    """An inquiry as the customer wrote it, checked, not yet recorded."""

    topic: str
    subject: str
    body: str
    sender: str
    to: list[str]
    cc: list[str] = field(default_factory=list)
    files: list[CheckedFile] = field(default_factory=list)
    parent_id: int | None = None
    details: dict[str, str] | None = None  # the composer's answers, to edit a draft later


def record(db: Database, composed: Composed, *, status: str) -> int:
    """Put the inquiry, its body, private copies of its files and its envelope in the
    history, in one transaction."""
    copies = [attachments.keep_copy(f.path, filename=f.name) for f in composed.files]
    meta = {"details": composed.details} if composed.details else None
    with transaction(db):
        inquiry_id = writes.create_inquiry(
            db,
            channel="email",
            topic=composed.topic,
            status=status,
            subject=composed.subject,
            parent_id=composed.parent_id,
        )
        message_id = writes.add_message(
            db, inquiry_id=inquiry_id, role="customer", body=composed.body, meta=meta
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
            writes.update_inquiry(db, composed.parent_id, status="escalated")
    return inquiry_id


def replace_draft(db: Database, inquiry_id: int, composed: Composed, *, status: str) -> None:
    """Save an edited draft over the old one, keeping its id and Message-ID."""
    record_now = reads.get_record(db, inquiry_id)
    if record_now["status"] != "draft":
        raise BadInput(f"inquiry {inquiry_id} is {record_now['status']}, not a draft")
    copies = [attachments.keep_copy(f.path, filename=f.name) for f in composed.files]
    meta = (
        json.dumps({"details": composed.details}, ensure_ascii=False) if composed.details else None
    )
    queue.replace_draft(
        db,
        inquiry_id=inquiry_id,
        subject=composed.subject,
        topic=composed.topic,
        status=status,
        body=composed.body,
        meta=meta,
        sender=composed.sender,
        to=composed.to,
        cc=composed.cc,
        copies=copies,
    )


def pending(db: Database) -> list[int]:
    """What `outbox send` picks up without an id."""
    return queue.pending(db, statuses=RETRIED)


def list_outbox(db: Database) -> list[dict[str, object]]:
    from supportcli.store.reads import Filters, list_rows

    rows = []
    for status in SENDABLE:
        rows += list_rows(db, Filters(channel="email", status=status, limit=0))
    return sorted(rows, key=lambda r: r["id"])  # type: ignore[arg-type, return-value]


def add_follow_up(db: Database, inquiry_id: int, body: str, files: list[CheckedFile]) -> int:
    """Record a follow-up in the thread as a pending customer message; the inquiry waits
    in the outbox until it is sent."""
    rec = reads.get_record(db, inquiry_id)
    envelope = rec["email"]
    if rec["channel"] != "email" or not isinstance(envelope, dict):
        raise BadInput(
            f"inquiry {inquiry_id} is a chat; continue it with `support chat --resume {inquiry_id}`"
        )
    if rec["status"] == "draft":
        raise BadInput(
            f"inquiry {inquiry_id} is still a draft: send it first "
            f"(`support outbox send {inquiry_id}`)"
        )
    copies = [attachments.keep_copy(f.path, filename=f.name) for f in files]
    return queue.add_follow_up(
        db,
        inquiry_id=inquiry_id,
        body=body,
        rfc_message_id=new_message_id(envelope["from"]),
        copies=copies,
    )
