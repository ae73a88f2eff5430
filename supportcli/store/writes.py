"""Every change to the history. Each function commits on its own, or joins the
transaction its caller already opened with `db.transaction`.

On PostgreSQL these functions also keep the search index (`search_fts`) and the stored
attachments' bytes (`attachment_blob`) in step; on SQLite triggers and files do that."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

from supportcli.errors import NotFound
from supportcli.i18n import _
from supportcli.records import Event, RefusedTransition, next_status
from supportcli.store import attachments
from supportcli.store.attachments import StoredFile
from supportcli.store.db import is_postgres, now, transaction
from supportcli.store.dialect import Database
from supportcli.store.migrations import SEQ_BITS


@contextmanager
def atomic(db: Database) -> Iterator[Database]:
    """A write transaction of its own, or a part of the caller's if one is open."""
    with nullcontext(db) if db.in_transaction else transaction(db):
        yield db


def create_inquiry(
    db: Database,
    *,
    channel: str,
    topic: str,
    status: str,
    subject: str = "",
    agent: str | None = None,
    parent_id: int | None = None,
) -> int:
    stamp = now()
    with atomic(db):
        (inquiry_id,) = db.execute(
            "INSERT INTO inquiry (channel, topic, subject, status, agent, parent_id, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (channel, topic, subject, status, agent, parent_id, stamp, stamp),
        ).fetchone()
        if is_postgres(db):
            vector = _index(db, inquiry_id << SEQ_BITS, subject)
            db.execute(
                "INSERT INTO search_inquiry (inquiry_id, terms) "
                "VALUES (?, strip(CAST(? AS tsvector)))",
                (inquiry_id, vector),
            )
    return int(inquiry_id)


def add_message(
    db: Database,
    *,
    inquiry_id: int,
    role: str,
    body: str,
    meta: Mapping[str, object] | None = None,
    rfc_message_id: str | None = None,
    at: str | None = None,
    last_word: bool = True,
) -> int:
    """Append one message; it is durable when this returns (unless the caller's
    transaction is still open). `last_word=False`: the message does not become the
    inquiry's last word (`list`'s who-is-waiting), as for an unverified answer."""
    stamp = at or now()
    with atomic(db):
        # The inquiry first: on PostgreSQL that locks its row, so two writers to one
        # inquiry take turns and never compute the same position.
        if last_word:
            db.execute(
                "UPDATE inquiry SET updated_at = ?, last_role = ?, last_message_at = ? "
                "WHERE id = ?",
                (stamp, role, stamp, inquiry_id),
            )
        else:
            db.execute("UPDATE inquiry SET updated_at = ? WHERE id = ?", (stamp, inquiry_id))
        message_id, seq = db.execute(
            "INSERT INTO message (inquiry_id, role, body, created_at, rfc_message_id, meta, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM message "
            "WHERE inquiry_id = ?)) RETURNING id, seq",
            (
                inquiry_id,
                role,
                body,
                stamp,
                rfc_message_id,
                json.dumps(meta, ensure_ascii=False) if meta else None,
                inquiry_id,
            ),
        ).fetchone()
        if is_postgres(db):
            vector = _index(db, (inquiry_id << SEQ_BITS) + seq, body)
            # Rewritten only when the message brings a lexeme the inquiry lacks.
            db.execute(
                "UPDATE search_inquiry SET terms = strip(terms || CAST(:new AS tsvector)) "
                "WHERE inquiry_id = :inquiry AND NOT "
                "tsvector_to_array(CAST(:new AS tsvector)) <@ tsvector_to_array(terms)",
                {"new": vector, "inquiry": inquiry_id},
            )
    return int(message_id)


def lock_inquiry(db: Database, inquiry_id: int) -> None:
    """Inside a transaction: wait for, then hold, the inquiry's row (PostgreSQL row lock;
    SQLite's write lock is already held by BEGIN IMMEDIATE)."""
    db.execute("UPDATE inquiry SET updated_at = updated_at WHERE id = ?", (inquiry_id,))


def change_status(
    db: Database, inquiry_id: int, event: Event, *, strict: bool = True, **fields: object
) -> str:
    """Let `event` happen to an inquiry: its new status comes from the one table of
    transitions (records.TRANSITIONS), read against its current status inside the same
    transaction. A refused event raises RefusedTransition, or, when not `strict`, leaves
    the status as it is (the other fields are still set). Closing remembers the status
    it closed, reopening returns to it. Returns the status the inquiry now has."""
    with atomic(db):
        row = db.execute(
            "SELECT status, previous_status FROM inquiry WHERE id = ?", (inquiry_id,)
        ).fetchone()
        if row is None:
            raise NotFound(_("no inquiry {id}; see `support list`").format(id=inquiry_id))
        current, before = row
        try:
            status = next_status(event, current, before_closing=before)
        except RefusedTransition:
            if strict:
                raise
            status = current
        else:
            if status != current or event == Event.EMAIL_REOPEN:
                fields["previous_status"] = current if event == Event.EMAIL_CLOSE else None
        update_inquiry(db, inquiry_id, status=status, **fields)
    return status


def set_body(db: Database, message_id: int, body: str, meta: str | None) -> None:
    """Rewrite a message (a draft being edited)."""
    with atomic(db):
        row = db.execute(
            "UPDATE message SET body = ?, meta = ? WHERE id = ? RETURNING inquiry_id, seq",
            (body, meta, message_id),
        ).fetchone()
        if row is None:
            raise NotFound(_("no message {id}").format(id=message_id))
        if is_postgres(db):
            _index(db, (row[0] << SEQ_BITS) + row[1], body)
            _reindex_inquiry(db, row[0])


def add_attachment(
    db: Database, *, inquiry_id: int, message_id: int | None, stored: StoredFile
) -> int:
    with atomic(db):
        hold_bytes(db, stored)
        (attachment_id,) = db.execute(
            "INSERT INTO attachment (inquiry_id, message_id, filename, size, sha256, "
            "content_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                inquiry_id,
                message_id,
                stored.filename,
                stored.size,
                stored.sha256,
                stored.content_type,
                now(),
            ),
        ).fetchone()
    return int(attachment_id)


def hold_bytes(db: Database, stored: StoredFile) -> None:
    """Inside the transaction that records a row referring to a stored copy (an
    attachment, or an answer's original): make sure the copy is there (see
    `attachments.restore`), and on a shared history that its bytes are in the database."""
    attachments.restore(stored)
    if is_postgres(db):  # every machine sharing the history can read and send it
        # DO UPDATE, not DO NOTHING: it locks the row, so a delete that is deciding
        # whether these bytes are still needed waits for this transaction.
        db.execute(
            "INSERT INTO attachment_blob (sha256, data) VALUES (?, ?) "
            "ON CONFLICT (sha256) DO UPDATE SET sha256 = excluded.sha256",
            (stored.sha256, attachments.stored_bytes(stored)),
        )


# Every row that refers to a stored copy: a copy none of them names is an orphan.
_HOLDERS = (
    "SELECT 1 FROM attachment WHERE sha256 = :sha "
    "UNION ALL SELECT 1 FROM message WHERE raw_sha256 = :sha "
    "UNION ALL SELECT 1 FROM unread_mail WHERE raw_sha256 = :sha LIMIT 1"
)


def _unreferenced(db: Database, shas: Sequence[str]) -> list[str]:
    return [sha for sha in shas if db.execute(_HOLDERS, {"sha": sha}).fetchone() is None]


def discard_unreferenced(db: Database, shas: Sequence[str]) -> None:
    """Remove copies kept for rows that were then never written (a sync whose transaction
    failed), unless some row refers to them. In a write transaction, like a delete: a
    writer that commits after it finds its copy gone and keeps it again (`hold_bytes`).
    On a shared history a copy here is only this machine's cache of the blob."""
    if not shas:
        return
    moved: list[tuple[Path, Path]] = []
    try:
        with transaction(db):
            attachments.set_aside(_unreferenced(db, list(dict.fromkeys(shas))), moved)
    except BaseException:
        attachments.put_back(moved)
        raise
    attachments.drop(moved)


def update_inquiry(db: Database, inquiry_id: int, **fields: object) -> None:
    """Set columns of one inquiry (names are ours, never user input) and touch it."""
    fields["updated_at"] = now()
    assignments = ", ".join(f"{name} = ?" for name in fields)
    with atomic(db):
        cursor = db.execute(
            f"UPDATE inquiry SET {assignments} WHERE id = ?", (*fields.values(), inquiry_id)
        )
        if cursor.rowcount == 0:
            raise NotFound(_("no inquiry {id}").format(id=inquiry_id))
        if "subject" in fields and is_postgres(db):
            _index(db, inquiry_id << SEQ_BITS, str(fields["subject"]))
            _reindex_inquiry(db, inquiry_id)


def delete_inquiries(db: Database, ids: Sequence[int]) -> list[str]:
    """Delete inquiries with their messages and attachment rows, and the stored copies
    no row refers to any more, all or nothing; returns those copies' sha256."""
    moved: list[tuple[Path, Path]] = []
    try:
        with transaction(db):
            orphans = _delete_rows(db, ids)
            attachments.set_aside(orphans, moved)
    except BaseException:
        attachments.put_back(moved)
        raise
    attachments.drop(moved)
    return orphans


def _delete_rows(db: Database, ids: Sequence[int]) -> list[str]:
    marks = ",".join("?" * len(ids))
    found = {
        row[0] for row in db.execute(f"SELECT id FROM inquiry WHERE id IN ({marks})", tuple(ids))
    }
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise NotFound(_("no inquiry {ids}; nothing was deleted").format(ids=", ".join(missing)))
    shas = [
        row[0]
        for row in db.execute(
            f"SELECT sha256 FROM attachment WHERE inquiry_id IN ({marks}) UNION "
            f"SELECT raw_sha256 FROM message WHERE inquiry_id IN ({marks}) "
            "AND raw_sha256 IS NOT NULL",
            (*ids, *ids),
        )
    ]
    db.execute(f"DELETE FROM inquiry WHERE id IN ({marks})", tuple(ids))
    if is_postgres(db) and shas:
        # Wait for any writer holding these bytes (see `add_attachment`); the check
        # below, a new statement, then sees what it committed.
        db.execute(
            "SELECT sha256 FROM attachment_blob WHERE sha256 IN "
            f"({','.join('?' * len(shas))}) ORDER BY sha256 FOR UPDATE",
            tuple(shas),
        )
    orphans = _unreferenced(db, sorted(shas))
    if is_postgres(db):
        for inquiry_id in ids:
            db.execute(
                "DELETE FROM search_fts WHERE rowid BETWEEN ? AND ?",
                (inquiry_id << SEQ_BITS, ((inquiry_id + 1) << SEQ_BITS) - 1),
            )
        for sha in orphans:
            db.execute("DELETE FROM attachment_blob WHERE sha256 = ?", (sha,))
    return orphans


def add_envelope(
    db: Database,
    *,
    inquiry_id: int,
    sender: str,
    to: Sequence[str],
    cc: Sequence[str],
    message_id: str,
) -> None:
    with atomic(db):
        db.execute(
            "INSERT INTO email (inquiry_id, from_addr, to_addrs, cc_addrs, message_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                inquiry_id,
                sender,
                json.dumps(list(to), ensure_ascii=False),
                json.dumps(list(cc), ensure_ascii=False),
                message_id,
            ),
        )


def _index(db: Database, rowid: int, text: str) -> str:
    """PostgreSQL's search row for a subject or message (SQLite's triggers do this);
    returns the row's tsvector literal."""
    # Imported here: psycopg only for a shared history.
    from supportcli.store.postgres import tsvector

    vector = tsvector(text)
    db.execute(
        "INSERT INTO search_fts (rowid, tokens) VALUES (?, CAST(? AS tsvector)) "
        "ON CONFLICT (rowid) DO UPDATE SET tokens = excluded.tokens",
        (rowid, vector),
    )
    return vector


def _reindex_inquiry(db: Database, inquiry_id: int) -> None:
    """PostgreSQL's inquiry row, anew from the inquiry's rows in search_fts (text was
    replaced: a lexeme may have gone)."""
    db.execute(
        "UPDATE search_inquiry SET terms = coalesce((SELECT strip(CAST(string_agg("
        "CAST(tokens AS TEXT), ' ') AS tsvector)) FROM search_fts WHERE inquiry_id = :id), "
        "CAST('' AS tsvector)) WHERE inquiry_id = :id",
        {"id": inquiry_id},
    )
