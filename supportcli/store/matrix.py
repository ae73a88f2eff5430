"""A live chat's Matrix side in the history: its room, where /sync got to, which messages
went out and which came in (m013). Every message is a row of `message` like any other;
these tables only say how it travelled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from supportcli.store import writes
from supportcli.store.db import now, transaction
from supportcli.store.dialect import Database


@dataclass(frozen=True)
class Room:
    inquiry_id: int
    homeserver: str
    user_id: str
    room_id: str
    device_id: str
    since: str | None
    handoff_seq: int


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    body: str


def room(db: Database, inquiry_id: int) -> Room | None:
    row = db.execute(
        "SELECT inquiry_id, homeserver, user_id, room_id, device_id, since, handoff_seq "
        "FROM matrix_room WHERE inquiry_id = ?",
        (inquiry_id,),
    ).fetchone()
    return Room(*row) if row else None


def last_seq(db: Database, inquiry_id: int) -> int:
    (seq,) = db.execute(
        "SELECT coalesce(max(seq), 0) FROM message WHERE inquiry_id = ?", (inquiry_id,)
    ).fetchone()
    return int(seq)


def add_room(db: Database, found: Room) -> None:
    with writes.atomic(db):
        db.execute(
            "INSERT INTO matrix_room (inquiry_id, homeserver, user_id, room_id, device_id, "
            "since, handoff_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            # A chat handed over again (its old room left) goes on in the new room.
            "ON CONFLICT (inquiry_id) DO UPDATE SET homeserver = excluded.homeserver, "
            "user_id = excluded.user_id, room_id = excluded.room_id, "
            "device_id = excluded.device_id, since = excluded.since, "
            "handoff_seq = excluded.handoff_seq, created_at = excluded.created_at",
            (
                found.inquiry_id,
                found.homeserver,
                found.user_id,
                found.room_id,
                found.device_id,
                found.since,
                found.handoff_seq,
                now(),
            ),
        )


def outgoing(db: Database, inquiry_id: int) -> list[Outgoing]:
    """The customer's messages (and the handoff note) since the handoff that have no event
    yet: still to be sent, oldest first."""
    rows = db.execute(
        "SELECT m.id, m.body FROM message m JOIN matrix_room r ON r.inquiry_id = m.inquiry_id "
        "WHERE m.inquiry_id = ? AND m.seq > r.handoff_seq AND m.role IN ('customer', 'system') "
        "AND NOT EXISTS (SELECT 1 FROM matrix_event e WHERE e.message_id = m.id) "
        "ORDER BY m.seq",
        (inquiry_id,),
    ).fetchall()
    return [Outgoing(int(message_id), str(body)) for message_id, body in rows]


def mark_sent(db: Database, message_id: int, event_id: str) -> None:
    with writes.atomic(db):
        db.execute(
            "INSERT INTO matrix_event (message_id, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (message_id, event_id),
        )


def file_received(
    db: Database,
    *,
    inquiry_id: int,
    event_id: str,
    body: str,
    meta: Mapping[str, object],
    since: str | None = None,
) -> int | None:
    """Record a counsellor's message once: the new message's id, or None when this event
    was filed before (by an earlier run, or by `support chat --wait` beside this one)."""
    with transaction(db):
        writes.lock_inquiry(db, inquiry_id)  # two processes syncing one room take turns
        if db.execute("SELECT 1 FROM matrix_event WHERE event_id = ?", (event_id,)).fetchone():
            return None
        message_id = writes.add_message(
            db, inquiry_id=inquiry_id, role="agent", body=body, meta=meta
        )
        db.execute(
            "INSERT INTO matrix_event (message_id, event_id) VALUES (?, ?)",
            (message_id, event_id),
        )
        if since is not None:
            _set_since(db, inquiry_id, since)
    return message_id


def set_since(db: Database, inquiry_id: int, since: str) -> None:
    with writes.atomic(db):
        _set_since(db, inquiry_id, since)


def _set_since(db: Database, inquiry_id: int, since: str) -> None:
    db.execute("UPDATE matrix_room SET since = ? WHERE inquiry_id = ?", (since, inquiry_id))


def waiting_since(db: Database, inquiry_id: int) -> float | None:
    """When the customer started waiting (the handoff, as a Unix time), or None when a
    counsellor has answered since."""
    row = db.execute(
        "SELECT r.created_at, EXISTS (SELECT 1 FROM message m WHERE m.inquiry_id = r.inquiry_id "
        "AND m.role = 'agent' AND m.seq > r.handoff_seq) FROM matrix_room r "
        "WHERE r.inquiry_id = ?",
        (inquiry_id,),
    ).fetchone()
    if row is None or row[1]:
        return None
    return datetime.fromisoformat(str(row[0])).timestamp()
