"""What `support sync` keeps: how far each mailbox has been read, the Message-IDs of our
threads, the answers filed under their inquiries with their originals, and the messages
kept unread (their originals too) for `sync --retry`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from supportcli.errors import NotFound
from supportcli.i18n import _
from supportcli.records import Answer, Event, MailboxPosition, Role, UnreadMail
from supportcli.store import writes
from supportcli.store.attachments import StoredFile
from supportcli.store.db import now, transaction
from supportcli.store.dialect import Database


def known_message_ids(db: Database) -> dict[str, int]:
    """Every Message-ID in our threads (what we sent, and answers already filed), with
    the inquiry it belongs to."""
    ids = {row[0]: row[1] for row in db.execute("SELECT message_id, inquiry_id FROM email")}
    ids.update(
        {
            row[0]: row[1]
            for row in db.execute(
                "SELECT rfc_message_id, inquiry_id FROM message WHERE rfc_message_id IS NOT NULL"
            )
        }
    )
    return ids


def sent_to(db: Database, inquiry_id: int) -> list[str]:
    """The addresses an email inquiry was sent To."""
    row = db.execute("SELECT to_addrs FROM email WHERE inquiry_id = ?", (inquiry_id,)).fetchone()
    return json.loads(row[0]) if row else []


def oldest_sent_at(db: Database) -> str | None:
    """When the first email of the history was sent, or None if none was."""
    row = db.execute("SELECT min(sent_at) FROM email WHERE sent_at IS NOT NULL").fetchone()
    return row[0] if row and row[0] else None


def position(db: Database, *, mailbox: str, uidvalidity: int) -> MailboxPosition:
    """How far this mailbox was read; from the start when its UIDs were renumbered."""
    row = db.execute(
        "SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = ?", (mailbox,)
    ).fetchone()
    last = row[1] if row and row[0] == uidvalidity else 0
    return MailboxPosition(mailbox, uidvalidity, last)


def remember(db: Database, read: MailboxPosition) -> None:
    """Record how far the mailbox was read (in the caller's transaction if one is open,
    so that filing a message and moving past it are one step)."""
    with writes.atomic(db):
        db.execute(
            "INSERT INTO mailbox_state VALUES (?, ?, ?, ?) ON CONFLICT (mailbox) DO "
            "UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, "
            "synced_at = excluded.synced_at",
            (read.mailbox, read.uidvalidity, read.last_uid, now()),
        )


def file_answer(
    db: Database,
    answer: Answer,
    copies: Sequence[StoredFile],
    *,
    raw: StoredFile | None = None,
    read: MailboxPosition | None = None,
    retried: int | None = None,
) -> bool:
    """File an answer as the inquiry's `agent` message, with its files and its original,
    in one transaction that also moves the mailbox position past it (`read`) or drops the
    kept-unread row it was retried from (`retried`). Only an answer from the desk
    (`answer.verified`) changes the inquiry's status. False (no message written) when that
    Message-ID is already filed."""
    with transaction(db):
        # Another sync (another machine on a shared history) may have filed it since the
        # caller read the known ids. Holding the inquiry's row first makes this check see
        # its commit.
        inquiry_id = answer.inquiry_id
        writes.lock_inquiry(db, inquiry_id)
        filed = not db.execute(
            "SELECT 1 FROM message WHERE rfc_message_id = ?", (answer.message_id,)
        ).fetchone()
        if filed:
            _add_answer(db, answer, copies, raw)
        if read is not None:
            remember(db, read)
        if retried is not None:
            db.execute("DELETE FROM unread_mail WHERE id = ?", (retried,))
    return filed


def _add_answer(
    db: Database, answer: Answer, copies: Sequence[StoredFile], raw: StoredFile | None
) -> None:
    inquiry_id = answer.inquiry_id
    message_id = writes.add_message(
        db,
        inquiry_id=inquiry_id,
        role=Role.AGENT,
        body=answer.body,
        meta=answer.meta(),
        rfc_message_id=answer.message_id,
        at=answer.at,
        # A stranger's words are not the desk's: the customer is still the one waiting.
        last_word=answer.verified,
    )
    if raw is not None:
        writes.hold_bytes(db, raw)
    db.execute(
        "UPDATE message SET sender = ?, verified = ?, raw_sha256 = ?, raw_size = ? WHERE id = ?",
        (
            answer.sender_address or None,
            int(answer.verified),
            raw.sha256 if raw else None,
            raw.size if raw else None,
            message_id,
        ),
    )
    for stored in copies:
        writes.add_attachment(db, inquiry_id=inquiry_id, message_id=message_id, stored=stored)
    if answer.verified:
        # Not from `sent`, `answered` or `closed` (records.TRANSITIONS): an answer to an
        # inquiry that never went out (a forged Message-ID), or one arriving while a
        # follow-up waits in the outbox, is kept but does not change what the inquiry is.
        writes.change_status(db, inquiry_id, Event.EMAIL_ANSWERED, strict=False)


def keep_unread(
    db: Database,
    *,
    read: MailboxPosition,
    uid: int,
    reason: str,
    raw: StoredFile,
) -> None:
    """Record a message that could not be filed, with its kept original, and move the
    mailbox position past it: one transaction."""
    with transaction(db):
        writes.hold_bytes(db, raw)
        db.execute(
            "INSERT INTO unread_mail (mailbox, uidvalidity, uid, reason, raw_sha256, raw_size, "
            "kept_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mailbox, uidvalidity, uid) "
            "DO UPDATE SET reason = excluded.reason, raw_sha256 = excluded.raw_sha256, "
            "raw_size = excluded.raw_size, kept_at = excluded.kept_at",
            (read.mailbox, read.uidvalidity, uid, reason, raw.sha256, raw.size, now()),
        )
        remember(db, read)


def unread(db: Database) -> list[UnreadMail]:
    """Every message kept unread, oldest first."""
    return [
        UnreadMail(*row)
        for row in db.execute(
            "SELECT id, mailbox, uid, reason, raw_sha256, raw_size, kept_at FROM unread_mail "
            "ORDER BY id"
        )
    ]


def still_unread(db: Database, row_id: int, reason: str) -> None:
    with transaction(db):
        db.execute("UPDATE unread_mail SET reason = ? WHERE id = ?", (reason, row_id))


def forget_unread(db: Database, row_id: int) -> str | None:
    """Drop a kept-unread row (it answers nothing we still have); its copy's sha256."""
    with transaction(db):
        row = db.execute(
            "DELETE FROM unread_mail WHERE id = ? RETURNING raw_sha256", (row_id,)
        ).fetchone()
    return row[0] if row else None


def raw_of(db: Database, inquiry_id: int, number: int) -> tuple[str, int] | None:
    """The kept original (sha256, size) of an inquiry's `number`th message (from 1, in
    the order `show` lists them); None when that message has none. NotFound when the
    inquiry has no such message."""
    row = db.execute(
        "SELECT raw_sha256, raw_size FROM message WHERE inquiry_id = ? ORDER BY id "
        "LIMIT 1 OFFSET ?",
        (inquiry_id, number - 1),
    ).fetchone()
    if row is None:
        raise NotFound(
            _("inquiry {id} has no message {number}; see `support show`").format(
                id=inquiry_id, number=number
            )
        )
    return (row[0], row[1]) if row[0] else None


def subjects(db: Database, ids: Iterable[int]) -> dict[int, str]:
    """The subject of each of these inquiries ("" for one that is gone)."""
    found = {}
    for inquiry_id in ids:
        row = db.execute("SELECT subject FROM inquiry WHERE id = ?", (inquiry_id,)).fetchone()
        found[inquiry_id] = row[0] if row else ""
    return found
