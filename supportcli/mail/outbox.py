"""Recording email inquiries and sending them: each is in the history before the first
byte goes to the server, sent with the Message-ID it was given once, and claimed in a
write transaction so that two `outbox send` running at once never send one twice."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from supportcli import system
from supportcli.config import Settings
from supportcli.errors import BadInput, StorageError
from supportcli.mail.checks import CheckedFile
from supportcli.mail.drafts import new_message_id
from supportcli.mail.message import Outgoing
from supportcli.store import attachments, reads, writes
from supportcli.store.db import is_postgres, now, transaction
from supportcli.store.dialect import Database

SENDABLE = ("draft", "queued", "failed")
RETRIED = ("queued", "failed")  # what `outbox send` picks up without an id


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


@dataclass
class Result:
    inquiry_id: int
    status: str  # sent | queued | failed | skipped
    reason: str | None = None
    hint: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    just_sent: Outgoing | None = None  # taken by the server, not yet marked in the history


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
    with transaction(db):
        first = db.execute(
            "SELECT min(id) FROM message WHERE inquiry_id = ?", (inquiry_id,)
        ).fetchone()[0]
        writes.set_body(db, first, composed.body, meta)
        db.execute("DELETE FROM attachment WHERE inquiry_id = ?", (inquiry_id,))
        for stored in copies:
            writes.add_attachment(db, inquiry_id=inquiry_id, message_id=first, stored=stored)
        db.execute(
            "UPDATE email SET from_addr = ?, to_addrs = ?, cc_addrs = ? WHERE inquiry_id = ?",
            (
                composed.sender,
                json.dumps(composed.to, ensure_ascii=False),
                json.dumps(composed.cc, ensure_ascii=False),
                inquiry_id,
            ),
        )
        writes.update_inquiry(
            db, inquiry_id, subject=composed.subject, topic=composed.topic, status=status
        )


def outgoing(db: Database, inquiry_id: int, settings: Settings) -> list[Outgoing]:
    """What this inquiry still has to send, oldest first, rebuilt from the history alone
    (its private copies): the inquiry itself until it is sent, then pending follow-ups."""
    rec = reads.get_record(db, inquiry_id)
    envelope = rec["email"]
    if rec["channel"] != "email" or not isinstance(envelope, dict):
        raise BadInput(f"inquiry {inquiry_id} is a chat, not an email inquiry")
    if not envelope["to"]:
        raise BadInput(f"inquiry {inquiry_id} has no recipient: set desk.email or pass --to")
    messages: list[dict] = rec["messages"]  # type: ignore[type-arg, assignment]
    account = settings.text("user.account") or None
    thread = [envelope["message_id"]]
    todo = []
    for n, message in enumerate(messages):
        if n == 0:
            if envelope["sent_at"] is None:
                todo.append(
                    _message(db, rec, message, envelope, envelope["message_id"], [], account)
                )
            continue
        if message.get("delivery") == "pending":
            todo.append(
                _message(db, rec, message, envelope, message["message_id"], list(thread), account)
            )
        if message.get("message_id"):
            thread.append(message["message_id"])
    return todo


def _message(
    db: Database,
    rec: dict,  # type: ignore[type-arg]
    message: dict,  # type: ignore[type-arg]
    envelope: dict,  # type: ignore[type-arg]
    message_id: str,
    references: list[str],
    account: str | None,
) -> Outgoing:
    files = []
    for item in rec["attachments"]:
        first = item["message_id"] is None and not references  # rows from before m002
        if item["message_id"] != message["id"] and not first:
            continue
        copy = attachments.local_copy(db, item["sha256"])
        if not copy.exists():
            raise AttachmentMissing(
                f"the stored copy of {item['filename']} is missing from {copy.parent}"
            )
        files.append((item["filename"], item["content_type"], copy))
    subject = str(rec["subject"])
    if references and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return Outgoing(
        sender=envelope["from"],
        to=envelope["to"],
        cc=envelope["cc"],
        subject=subject,
        body=message["body"],
        message_id=message_id,
        attachments=files,
        account=account,
        inquiry_id=int(rec["id"]),
        in_reply_to=references[-1] if references else None,
        references=references,
        message_row=int(message["id"]),
    )


class AttachmentMissing(Exception):
    pass


def claim(
    db: Database,
    ids: Sequence[int],
    token: str,
    stale_after: float,
    statuses: Sequence[str] = SENDABLE,
) -> list[int]:
    """Take these inquiries for this run, in one write transaction; skip those another run
    holds (unless its claim has gone stale) and those not in a sendable status."""
    stale = (datetime.now(UTC) - timedelta(seconds=stale_after)).isoformat(timespec="microseconds")
    if is_postgres(db):
        return _claim_rows(db, ids, token, stale, statuses)
    marks = ",".join("?" * len(statuses))
    mine = []
    with transaction(db):
        for inquiry_id in ids:
            cursor = db.execute(
                "UPDATE email SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
                "WHERE inquiry_id = ? AND (claimed_by IS NULL OR claimed_at < ?) AND inquiry_id "
                f"IN (SELECT id FROM inquiry WHERE status IN ({marks}))",
                (token, now(), inquiry_id, stale, *statuses),
            )
            if cursor.rowcount == 1:
                mine.append(inquiry_id)
    return mine


def _claim_rows(
    db: Database, ids: Sequence[int], token: str, stale: str, statuses: Sequence[str]
) -> list[int]:
    """PostgreSQL: lock the rows (inquiry and envelope) of those still sendable, skipping
    rows another machine holds locked right now, and claim them in the same transaction.
    The lock makes the server check status and claim again on the newest row versions, so
    an inquiry another run has just claimed, sent and released is not taken again."""
    if not ids:
        return []
    id_marks = ",".join("?" * len(ids))
    status_marks = ",".join("?" * len(statuses))
    with transaction(db):
        free = [
            row[0]
            for row in db.execute(
                "SELECT email.inquiry_id FROM email JOIN inquiry ON inquiry.id = email.inquiry_id "
                f"WHERE email.inquiry_id IN ({id_marks}) AND inquiry.status IN ({status_marks}) "
                "AND (email.claimed_by IS NULL OR email.claimed_at < ?) "
                "FOR UPDATE SKIP LOCKED",
                (*ids, *statuses, stale),
            )
        ]
        if free:
            db.execute(
                "UPDATE email SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
                f"WHERE inquiry_id IN ({','.join('?' * len(free))})",
                (token, now(), *free),
            )
    taken = set(free)
    return [i for i in ids if i in taken]


def finish(db: Database, result: Result) -> None:
    """Record the outcome and release the claim, in the transaction that also marks the
    last message the server took."""
    with transaction(db):
        if result.just_sent is not None:
            _mark_sent(db, result.inquiry_id, result.just_sent)
        db.execute(
            "UPDATE email SET claimed_by = NULL, claimed_at = NULL, last_error = ? "
            "WHERE inquiry_id = ?",
            (_error_text(result), result.inquiry_id),
        )
        writes.update_inquiry(db, result.inquiry_id, status=result.status)


def _error_text(result: Result) -> str | None:
    if result.refused:
        return "refused: " + "; ".join(f"{a} ({r})" for a, r in result.refused.items())
    return result.reason


def pending(db: Database) -> list[int]:
    marks = ",".join("?" * len(RETRIED))
    return [
        row[0]
        for row in db.execute(
            f"SELECT id FROM inquiry WHERE channel = 'email' AND status IN ({marks}) ORDER BY id",
            RETRIED,
        )
    ]


def send(
    db: Database,
    ids: Sequence[int],
    settings: Settings,
    *,
    statuses: Sequence[str] = SENDABLE,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Send these inquiries over one connection; record each outcome as it happens."""
    from supportcli.mail.sender import DeliveryError, Mailer, ServerSettings

    server = ServerSettings.from_settings(settings)
    token = f"{system.hostname()}:{os.getpid()}:{os.urandom(4).hex()}"
    stale_after = server.timeout * 4 + 60
    mine = claim(db, ids, token, stale_after, statuses)
    results = [
        Result(i, "skipped", "already sent, or being sent by another run")
        for i in ids
        if i not in mine
    ]
    if not mine:
        return results
    try:
        mailer = Mailer(server).__enter__()
    except DeliveryError as exc:
        for inquiry_id in mine:
            result = Result(
                inquiry_id, "queued" if exc.temporary else "failed", exc.reason, exc.hint
            )
            finish(db, result)
            results.append(result)
            if progress:
                progress(result)
        return results
    done: set[int] = set()
    try:
        for inquiry_id in mine:
            result = _send_one(db, mailer, inquiry_id, settings)
            finish(db, result)
            done.add(inquiry_id)
            results.append(result)
            if progress:
                progress(result)
    finally:
        mailer.close()
        for inquiry_id in mine:  # interrupted: nothing stays claimed, nothing is lost
            if inquiry_id not in done:
                with contextlib.suppress(sqlite3.Error, StorageError):
                    finish(db, Result(inquiry_id, "queued", "sending was interrupted"))
    return results


def _send_one(db: Database, mailer, inquiry_id: int, settings: Settings) -> Result:  # type: ignore[no-untyped-def]
    from supportcli.mail.sender import DeliveryError

    refused: dict[str, str] = {}
    just_sent: Outgoing | None = None
    try:
        for message in outgoing(db, inquiry_id, settings):
            if just_sent is not None:
                _mark_sent(db, inquiry_id, just_sent)
            just_sent = None
            delivered = mailer.send(message)
            just_sent = message  # recorded with the outcome, in the same transaction
            refused |= delivered.refused
    except AttachmentMissing as exc:
        return Result(inquiry_id, "failed", str(exc), just_sent=just_sent)
    except BadInput as exc:
        return Result(inquiry_id, "failed", exc.message, just_sent=just_sent)
    except DeliveryError as exc:
        status = "queued" if exc.temporary else "failed"
        return Result(inquiry_id, status, exc.reason, exc.hint, just_sent=just_sent)
    except (ValueError, UnicodeError) as exc:  # a header our checks should have refused
        return Result(
            inquiry_id, "failed", f"the message could not be built: {exc}", just_sent=just_sent
        )
    return Result(inquiry_id, "sent", refused=refused, just_sent=just_sent)


def _mark_sent(db: Database, inquiry_id: int, message: Outgoing) -> None:
    """Record a message as sent as soon as the server took it (before the next one goes),
    so a failure later in the same run never sends it again."""
    stamp = now()
    with writes.atomic(db):
        if message.in_reply_to is None:
            db.execute("UPDATE email SET sent_at = ? WHERE inquiry_id = ?", (stamp, inquiry_id))
        else:
            db.execute(
                "UPDATE message SET delivery = 'sent', sent_at = ? WHERE id = ?",
                (stamp, message.message_row),
            )


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
    with transaction(db):
        message_id = writes.add_message(
            db,
            inquiry_id=inquiry_id,
            role="customer",
            body=body,
            rfc_message_id=new_message_id(envelope["from"]),
        )
        db.execute("UPDATE message SET delivery = 'pending' WHERE id = ?", (message_id,))
        for stored in copies:
            writes.add_attachment(db, inquiry_id=inquiry_id, message_id=message_id, stored=stored)
        writes.update_inquiry(db, inquiry_id, status="queued", previous_status=None)
    return message_id
