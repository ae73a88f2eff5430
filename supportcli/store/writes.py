"""Every change to the history. Each function commits on its own, or joins the
transaction its caller already opened with `db.transaction`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext

from supportcli.errors import NotFound
from supportcli.store.attachments import StoredFile
from supportcli.store.db import now, transaction


@contextmanager
def atomic(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction of its own, or a part of the caller's if one is open."""
    with nullcontext(db) if db.in_transaction else transaction(db):
        yield db


def create_inquiry(
    db: sqlite3.Connection,
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
        cursor = db.execute(
            "INSERT INTO inquiry (channel, topic, subject, status, agent, parent_id, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (channel, topic, subject, status, agent, parent_id, stamp, stamp),
        )
    return int(cursor.lastrowid or 0)


def add_message(
    db: sqlite3.Connection,
    *,
    inquiry_id: int,
    role: str,
    body: str,
    meta: dict[str, object] | None = None,
    rfc_message_id: str | None = None,
    at: str | None = None,
) -> int:
    """Append one message; it is durable when this returns (unless the caller's
    transaction is still open)."""
    stamp = at or now()
    with atomic(db):
        cursor = db.execute(
            "INSERT INTO message (inquiry_id, role, body, created_at, rfc_message_id, meta, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM message "
            "WHERE inquiry_id = ?))",
            (
                inquiry_id,
                role,
                body,
                stamp,
                rfc_message_id,
                json.dumps(meta, ensure_ascii=False) if meta else None,
                inquiry_id,
            ),
        )
        db.execute(
            "UPDATE inquiry SET updated_at = ?, last_role = ?, last_message_at = ? WHERE id = ?",
            (stamp, role, stamp, inquiry_id),
        )
    return int(cursor.lastrowid or 0)


def add_attachment(
    db: sqlite3.Connection, *, inquiry_id: int, message_id: int | None, stored: StoredFile
) -> int:
    with atomic(db):
        cursor = db.execute(
            "INSERT INTO attachment (inquiry_id, message_id, filename, size, sha256, "
            "content_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                inquiry_id,
                message_id,
                stored.filename,
                stored.size,
                stored.sha256,
                stored.content_type,
                now(),
            ),
        )
    return int(cursor.lastrowid or 0)


def update_inquiry(db: sqlite3.Connection, inquiry_id: int, **fields: object) -> None:
    """Set columns of one inquiry (names are ours, never user input) and touch it."""
    fields["updated_at"] = now()
    assignments = ", ".join(f"{name} = ?" for name in fields)
    with atomic(db):
        cursor = db.execute(
            f"UPDATE inquiry SET {assignments} WHERE id = ?", (*fields.values(), inquiry_id)
        )
    if cursor.rowcount == 0:
        raise NotFound(f"no inquiry {inquiry_id}")


def delete_inquiries(db: sqlite3.Connection, ids: Sequence[int]) -> list[str]:
    """Delete inquiries with their messages and attachment rows, all or nothing.

    Returns the sha256 of stored files no row refers to any more, for the caller to
    remove once the transaction has committed."""
    marks = ",".join("?" * len(ids))
    with atomic(db):
        found = {
            row[0]
            for row in db.execute(f"SELECT id FROM inquiry WHERE id IN ({marks})", tuple(ids))
        }
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise NotFound(f"no inquiry {', '.join(missing)}; nothing was deleted")
        shas = [
            row[0]
            for row in db.execute(
                f"SELECT DISTINCT sha256 FROM attachment WHERE inquiry_id IN ({marks})", tuple(ids)
            )
        ]
        db.execute(f"DELETE FROM inquiry WHERE id IN ({marks})", tuple(ids))
        orphans = [
            sha
            for sha in shas
            if db.execute("SELECT 1 FROM attachment WHERE sha256 = ? LIMIT 1", (sha,)).fetchone()
            is None
        ]
    return orphans


def add_envelope(
    db: sqlite3.Connection,
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
