"""What `support sync` keeps: how far each mailbox has been read, the Message-IDs of our
threads, and the answers filed under their inquiries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from supportcli.records import Answer, Event, MailboxPosition, Role
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
    with transaction(db):
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
) -> bool:
    """File an answer as the inquiry's `agent` message, with its files; False (nothing
    written) when that Message-ID is already filed."""
    with transaction(db):
        # Another sync (another machine on a shared history) may have filed it since the
        # caller read the known ids. Holding the inquiry's row first makes this check see
        # its commit.
        inquiry_id = answer.inquiry_id
        writes.lock_inquiry(db, inquiry_id)
        if db.execute(
            "SELECT 1 FROM message WHERE rfc_message_id = ?", (answer.message_id,)
        ).fetchone():
            return False
        message_id = writes.add_message(
            db,
            inquiry_id=inquiry_id,
            role=Role.AGENT,
            body=answer.body,
            meta=answer.meta(),
            rfc_message_id=answer.message_id,
            at=answer.at,
        )
        for stored in copies:
            writes.add_attachment(db, inquiry_id=inquiry_id, message_id=message_id, stored=stored)
        # An answer to an inquiry that never went out (a forged Message-ID) is kept, but
        # does not change what the inquiry is.
        writes.change_status(db, inquiry_id, Event.EMAIL_ANSWERED, strict=False)
    return True


def subjects(db: Database, ids: Iterable[int]) -> dict[int, str]:
    """The subject of each of these inquiries ("" for one that is gone)."""
    found = {}
    for inquiry_id in ids:
        row = db.execute("SELECT subject FROM inquiry WHERE id = ?", (inquiry_id,)).fetchone()
        found[inquiry_id] = row[0] if row else ""
    return found
