"""The outbox queue: the rows that say what is to be sent, who is sending it, and what
was sent. Claims are taken in a write transaction so that two `outbox send` running at
once (on one machine, or on several sharing a PostgreSQL history) never send one twice."""

from __future__ import annotations

import json
from collections.abc import Sequence

from supportcli.records import Event
from supportcli.store import writes
from supportcli.store.attachments import StoredFile
from supportcli.store.db import is_postgres, now, transaction
from supportcli.store.dialect import Database


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def replace_draft(
    db: Database,
    *,
    inquiry_id: int,
    subject: str,
    topic: str,
    event: Event,
    body: str,
    meta: str | None,
    sender: str,
    to: Sequence[str],
    cc: Sequence[str],
    copies: Sequence[StoredFile],
) -> None:
    """Write an edited draft over the old one in one transaction, keeping its id and
    Message-ID: its first message, its files, its envelope and its inquiry row, whose
    status `event` decides (saved again as a draft, or queued to be sent). Copies of
    files it no longer carries are removed when nothing else refers to them (a masked
    copy replacing the original, issue 19)."""
    old = [
        row[0]
        for row in db.execute("SELECT sha256 FROM attachment WHERE inquiry_id = ?", (inquiry_id,))
    ]
    with transaction(db):
        first = db.execute(
            "SELECT min(id) FROM message WHERE inquiry_id = ?", (inquiry_id,)
        ).fetchone()[0]
        writes.set_body(db, first, body, meta)
        db.execute("DELETE FROM attachment WHERE inquiry_id = ?", (inquiry_id,))
        for stored in copies:
            writes.add_attachment(db, inquiry_id=inquiry_id, message_id=first, stored=stored)
        db.execute(
            "UPDATE email SET from_addr = ?, to_addrs = ?, cc_addrs = ? WHERE inquiry_id = ?",
            (
                sender,
                json.dumps(list(to), ensure_ascii=False),
                json.dumps(list(cc), ensure_ascii=False),
                inquiry_id,
            ),
        )
        writes.change_status(db, inquiry_id, event, subject=subject, topic=topic)
        kept = {stored.sha256 for stored in copies}
        dropped = [sha for sha in dict.fromkeys(old) if sha not in kept]
        if is_postgres(db) and dropped:  # the shared history's own copies, as in a delete
            db.execute(
                f"SELECT sha256 FROM attachment_blob WHERE sha256 IN ({_marks(dropped)}) "
                "ORDER BY sha256 FOR UPDATE",
                tuple(dropped),
            )
            for sha in writes._unreferenced(db, dropped):
                db.execute("DELETE FROM attachment_blob WHERE sha256 = ?", (sha,))
    writes.discard_unreferenced(db, dropped)


def add_follow_up(
    db: Database,
    *,
    inquiry_id: int,
    body: str,
    rfc_message_id: str,
    copies: Sequence[StoredFile],
    meta: dict[str, object] | None = None,
) -> int:
    """A customer message waiting to be sent in the thread; the inquiry goes back to the
    queue. Returns the message's row id."""
    with transaction(db):
        message_id = writes.add_message(
            db,
            inquiry_id=inquiry_id,
            role="customer",
            body=body,
            rfc_message_id=rfc_message_id,
            meta=meta,
        )
        db.execute("UPDATE message SET delivery = 'pending' WHERE id = ?", (message_id,))
        for stored in copies:
            writes.add_attachment(db, inquiry_id=inquiry_id, message_id=message_id, stored=stored)
        writes.change_status(db, inquiry_id, Event.EMAIL_FOLLOW_UP)
    return message_id


# An inquiry's status and its messages' delivery are separate things: an `answered`
# inquiry may still hold a follow-up waiting to go (an answer came while it waited, in a
# history from before records.TRANSITIONS kept such an inquiry queued). It is sendable too.
_WAITING_FOLLOW_UP = (
    "(inquiry.status = 'answered' AND EXISTS (SELECT 1 FROM message WHERE "
    "message.inquiry_id = inquiry.id AND message.delivery = 'pending'))"
)


def pending(db: Database, *, statuses: Sequence[str]) -> list[int]:
    """Email inquiries in these statuses, or holding a follow-up not yet sent, oldest
    first."""
    return [
        row[0]
        for row in db.execute(
            "SELECT id FROM inquiry WHERE channel = 'email' "
            f"AND (status IN ({_marks(statuses)}) OR {_WAITING_FOLLOW_UP}) ORDER BY id",
            tuple(statuses),
        )
    ]


def claim(db: Database, *, ids: Sequence[int], token: str, statuses: Sequence[str]) -> list[int]:
    """Take these inquiries for the run named `token`, in one write transaction; skip
    those another run holds and those not in one of `statuses`. Returns the ids taken,
    in the order given."""
    if not ids:
        return []
    if is_postgres(db):
        return _claim_locked(db, ids, token, statuses)
    mine = []
    with transaction(db):  # BEGIN IMMEDIATE: the write lock makes the checks and claims one step
        for inquiry_id in ids:
            cursor = db.execute(
                "UPDATE email SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
                "WHERE inquiry_id = ? AND claimed_by IS NULL AND inquiry_id "
                f"IN (SELECT id FROM inquiry WHERE status IN ({_marks(statuses)}) "
                f"OR {_WAITING_FOLLOW_UP})",
                (token, now(), inquiry_id, *statuses),
            )
            if cursor.rowcount == 1:
                mine.append(inquiry_id)
    return mine


def _claim_locked(
    db: Database, ids: Sequence[int], token: str, statuses: Sequence[str]
) -> list[int]:
    """PostgreSQL: lock the rows (inquiry and envelope) of those still sendable, skipping
    rows another machine holds locked right now, and claim them in the same transaction.
    The lock makes the server check status and claim again on the newest row versions, so
    an inquiry another run has just claimed, sent and released is not taken again."""
    with transaction(db):
        free = [
            row[0]
            for row in db.execute(
                "SELECT email.inquiry_id FROM email JOIN inquiry ON inquiry.id = email.inquiry_id "
                f"WHERE email.inquiry_id IN ({_marks(ids)}) "
                f"AND (inquiry.status IN ({_marks(statuses)}) OR {_WAITING_FOLLOW_UP}) "
                "AND email.claimed_by IS NULL "
                "FOR UPDATE SKIP LOCKED",
                (*ids, *statuses),
            )
        ]
        if free:
            db.execute(
                "UPDATE email SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
                f"WHERE inquiry_id IN ({_marks(free)})",
                (token, now(), *free),
            )
    taken = set(free)
    return [i for i in ids if i in taken]


def holders(db: Database, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """The run holding each of these inquiries, and when it last claimed or renewed it,
    for those claimed."""
    if not ids:
        return {}
    return {
        row[0]: (row[1], row[2])
        for row in db.execute(
            "SELECT inquiry_id, claimed_by, claimed_at FROM email "
            f"WHERE claimed_by IS NOT NULL AND inquiry_id IN ({_marks(ids)})",
            tuple(ids),
        )
    }


def renew_claim(db: Database, *, inquiry_id: int, token: str) -> bool:
    """Stamp this run's claim as fresh; False if the run no longer holds it."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE email SET claimed_at = ? WHERE inquiry_id = ? AND claimed_by = ?",
            (now(), inquiry_id, token),
        )
        return cursor.rowcount == 1


def drop_claim(db: Database, *, inquiry_id: int, holder: str) -> None:
    """Give up a claim its run left behind (only if that run still holds it)."""
    with transaction(db):
        db.execute(
            "UPDATE email SET claimed_by = NULL, claimed_at = NULL "
            "WHERE inquiry_id = ? AND claimed_by = ?",
            (inquiry_id, holder),
        )


def mark_sent(db: Database, *, inquiry_id: int, follow_up: int | None) -> None:
    """Record that the server took a message: the inquiry's own (`follow_up` None), or
    the follow-up message with that row id."""
    stamp = now()
    with writes.atomic(db):
        if follow_up is None:
            db.execute("UPDATE email SET sent_at = ? WHERE inquiry_id = ?", (stamp, inquiry_id))
        else:
            db.execute(
                "UPDATE message SET delivery = 'sent', sent_at = ? WHERE id = ?",
                (stamp, follow_up),
            )


def release(
    db: Database,
    *,
    inquiry_id: int,
    outcome: Event,
    error: str | None,
    sent_follow_up: int | None = None,
    sent: bool = False,
) -> None:
    """Record a run's outcome for one inquiry and give up its claim, in one transaction;
    `sent`: the last message the server took (see `mark_sent`) is marked in the same one."""
    with transaction(db):
        if sent:
            mark_sent(db, inquiry_id=inquiry_id, follow_up=sent_follow_up)
        db.execute(
            "UPDATE email SET claimed_by = NULL, claimed_at = NULL, last_error = ? "
            "WHERE inquiry_id = ?",
            (error, inquiry_id),
        )
        writes.change_status(db, inquiry_id, outcome)
