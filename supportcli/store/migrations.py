"""Named, ordered schema steps. Each runs once, inside the opening transaction, and is
recorded in `_support_migrations`; `PRAGMA user_version` mirrors their count so that an
up-to-date history is recognised from its header without a query.

Never edit a step that has shipped: add a new one. `tests/test_migrations.py` builds the
first schema with rows in it, runs every later step, and checks that the result matches
`models.py` and that no row was lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the open transaction."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete statement in migration: {pending!r}")


def m001_initial(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE inquiry (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL CHECK (channel IN ('chat', 'email')),
            topic TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX inquiry_created ON inquiry (created_at, id);

        CREATE TABLE message (
            id INTEGER PRIMARY KEY,
            inquiry_id INTEGER NOT NULL REFERENCES inquiry (id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'system')),
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX message_inquiry ON message (inquiry_id, id);

        CREATE TABLE attachment (
            id INTEGER PRIMARY KEY,
            inquiry_id INTEGER NOT NULL REFERENCES inquiry (id) ON DELETE CASCADE,
            message_id INTEGER REFERENCES message (id) ON DELETE CASCADE,
            filename TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            content_type TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX attachment_inquiry ON attachment (inquiry_id, id);
        CREATE INDEX attachment_sha256 ON attachment (sha256);

        CREATE TABLE email (
            inquiry_id INTEGER PRIMARY KEY REFERENCES inquiry (id) ON DELETE CASCADE,
            from_addr TEXT NOT NULL,
            to_addrs TEXT NOT NULL,
            cc_addrs TEXT NOT NULL DEFAULT '[]',
            message_id TEXT NOT NULL UNIQUE,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT
        );
        """,
    )


def m002_conversation_state(db: sqlite3.Connection) -> None:
    """What the channels need beyond the first schema: who spoke last (for `list`), the
    status to return to on reopen, a chat's agent and rating, the chat an email came from,
    and each message's own Message-ID (answers and follow-ups are threaded by it)."""
    run_script(
        db,
        """
        ALTER TABLE inquiry ADD COLUMN previous_status TEXT;
        ALTER TABLE inquiry ADD COLUMN agent TEXT;
        ALTER TABLE inquiry ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
        ALTER TABLE inquiry ADD COLUMN parent_id INTEGER
            REFERENCES inquiry (id) ON DELETE SET NULL;
        ALTER TABLE inquiry ADD COLUMN last_role TEXT;
        ALTER TABLE inquiry ADD COLUMN last_message_at TEXT;
        CREATE INDEX inquiry_status ON inquiry (status, created_at);

        ALTER TABLE message ADD COLUMN rfc_message_id TEXT;
        ALTER TABLE message ADD COLUMN meta TEXT;
        CREATE UNIQUE INDEX message_rfc_id ON message (rfc_message_id)
            WHERE rfc_message_id IS NOT NULL;

        UPDATE inquiry SET
            last_role = (SELECT role FROM message WHERE inquiry_id = inquiry.id
                         ORDER BY id DESC LIMIT 1),
            last_message_at = (SELECT created_at FROM message WHERE inquiry_id = inquiry.id
                               ORDER BY id DESC LIMIT 1);
        """,
    )


def m003_search_index(db: sqlite3.Connection) -> None:
    """Full-text search over subjects and messages, kept in step by triggers.

    The tables are contentless (the text already lives in `inquiry` and `message`); the
    triggers feed them `support_fold(text)`, a function every connection registers."""
    run_script(
        db,
        """
        CREATE VIRTUAL TABLE message_fts USING fts5 (
            tokens, content = '', tokenize = 'unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE subject_fts USING fts5 (
            tokens, content = '', tokenize = 'unicode61 remove_diacritics 2');

        CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN
            INSERT INTO message_fts (rowid, tokens) VALUES (new.id, support_fold(new.body));
        END;
        CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
            INSERT INTO message_fts (message_fts, rowid, tokens)
                VALUES ('delete', old.id, support_fold(old.body));
        END;
        CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON message BEGIN
            INSERT INTO message_fts (message_fts, rowid, tokens)
                VALUES ('delete', old.id, support_fold(old.body));
            INSERT INTO message_fts (rowid, tokens) VALUES (new.id, support_fold(new.body));
        END;

        CREATE TRIGGER subject_fts_insert AFTER INSERT ON inquiry BEGIN
            INSERT INTO subject_fts (rowid, tokens) VALUES (new.id, support_fold(new.subject));
        END;
        CREATE TRIGGER subject_fts_delete AFTER DELETE ON inquiry BEGIN
            INSERT INTO subject_fts (subject_fts, rowid, tokens)
                VALUES ('delete', old.id, support_fold(old.subject));
        END;
        CREATE TRIGGER subject_fts_update AFTER UPDATE OF subject ON inquiry BEGIN
            INSERT INTO subject_fts (subject_fts, rowid, tokens)
                VALUES ('delete', old.id, support_fold(old.subject));
            INSERT INTO subject_fts (rowid, tokens) VALUES (new.id, support_fold(new.subject));
        END;

        INSERT INTO message_fts (rowid, tokens) SELECT id, support_fold(body) FROM message;
        INSERT INTO subject_fts (rowid, tokens) SELECT id, support_fold(subject) FROM inquiry;
        """,
    )


def m004_outbox_claims(db: sqlite3.Connection) -> None:
    """Who is sending an email right now, so two `outbox send` never send one twice."""
    run_script(
        db,
        """
        ALTER TABLE email ADD COLUMN claimed_by TEXT;
        ALTER TABLE email ADD COLUMN claimed_at TEXT;
        """,
    )


def m005_follow_ups_and_sync(db: sqlite3.Connection) -> None:
    """Follow-ups are sent like inquiries (message.delivery: pending, sent), and `sync`
    remembers how far it read each mailbox (so it asks the server only for new mail)."""
    run_script(
        db,
        """
        ALTER TABLE message ADD COLUMN delivery TEXT;
        ALTER TABLE message ADD COLUMN sent_at TEXT;
        CREATE INDEX message_pending ON message (inquiry_id) WHERE delivery = 'pending';
        CREATE TABLE mailbox_state (
            mailbox TEXT PRIMARY KEY,
            uidvalidity INTEGER NOT NULL,
            last_uid INTEGER NOT NULL,
            synced_at TEXT NOT NULL
        );
        """,
    )


SEQ_BITS = 20  # search rows: rowid = inquiry id << 20 | position (0: subject, 1..: messages)


def m006_search_by_inquiry(db: sqlite3.Connection) -> None:
    """One search index whose rowids sort by inquiry: newest inquiries come first straight
    from the index, and every row names its inquiry without a lookup. (Mapping a common
    word's 200,000 matching messages back to their inquiries took a quarter of a second.)"""
    run_script(
        db,
        """
        DROP TRIGGER message_fts_insert;
        DROP TRIGGER message_fts_delete;
        DROP TRIGGER message_fts_update;
        DROP TRIGGER subject_fts_insert;
        DROP TRIGGER subject_fts_delete;
        DROP TRIGGER subject_fts_update;
        DROP TABLE message_fts;
        DROP TABLE subject_fts;

        ALTER TABLE message ADD COLUMN seq INTEGER;
        UPDATE message SET seq = (SELECT count(*) FROM message AS earlier
                                  WHERE earlier.inquiry_id = message.inquiry_id
                                  AND earlier.id <= message.id);
        CREATE UNIQUE INDEX message_seq ON message (inquiry_id, seq);

        CREATE VIRTUAL TABLE search_fts USING fts5 (
            tokens, content = '', tokenize = 'unicode61 remove_diacritics 2');

        CREATE TRIGGER search_message_insert AFTER INSERT ON message BEGIN
            INSERT INTO search_fts (rowid, tokens)
                VALUES ((new.inquiry_id << 20) + new.seq, support_fold(new.body));
        END;
        CREATE TRIGGER search_message_delete AFTER DELETE ON message BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', (old.inquiry_id << 20) + old.seq, support_fold(old.body));
        END;
        CREATE TRIGGER search_message_update AFTER UPDATE OF body ON message BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', (old.inquiry_id << 20) + old.seq, support_fold(old.body));
            INSERT INTO search_fts (rowid, tokens)
                VALUES ((new.inquiry_id << 20) + new.seq, support_fold(new.body));
        END;
        CREATE TRIGGER search_subject_insert AFTER INSERT ON inquiry BEGIN
            INSERT INTO search_fts (rowid, tokens) VALUES (new.id << 20, support_fold(new.subject));
        END;
        CREATE TRIGGER search_subject_delete AFTER DELETE ON inquiry BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', old.id << 20, support_fold(old.subject));
        END;
        CREATE TRIGGER search_subject_update AFTER UPDATE OF subject ON inquiry BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', old.id << 20, support_fold(old.subject));
            INSERT INTO search_fts (rowid, tokens) VALUES (new.id << 20, support_fold(new.subject));
        END;

        INSERT INTO search_fts (rowid, tokens)
            SELECT (inquiry_id << 20) + seq, support_fold(body) FROM message;
        INSERT INTO search_fts (rowid, tokens) SELECT id << 20, support_fold(subject) FROM inquiry;
        """,
    )


def m007_search_merges_off_the_hot_path(db: sqlite3.Connection) -> None:
    """FTS5's automatic merging does part of a large merge inside whichever insert comes
    along, stalling a chat message's commit for 20-40 ms on a big history. Turn it off:
    level-0 segments are still merged 16 at a time (crisismerge), and the larger merges
    run as housekeeping when a chat ends (`store.db.checkpoint`)."""
    db.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)")


MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_initial", m001_initial),
    ("m002_conversation_state", m002_conversation_state),
    ("m003_search_index", m003_search_index),
    ("m004_outbox_claims", m004_outbox_claims),
    ("m005_follow_ups_and_sync", m005_follow_ups_and_sync),
    ("m006_search_by_inquiry", m006_search_by_inquiry),
    ("m007_search_merges_off_the_hot_path", m007_search_merges_off_the_hot_path),
]
