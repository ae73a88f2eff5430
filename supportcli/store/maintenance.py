"""Housekeeping of the history's files, apart from its rows."""

from __future__ import annotations

from supportcli.store.db import is_postgres, transaction
from supportcli.store.dialect import Database


def forget_deleted_text(db: Database) -> None:
    """Leave nothing of deleted text in the files. secure_delete zeroes freed pages, but
    the full-text index keeps a deleted message's tokens in old segments until they are
    merged, and the write-ahead log keeps old pages until a checkpoint. (PostgreSQL: a
    VACUUM frees the deleted rows; its own files, WAL and backups are the server's.)"""
    if is_postgres(db):
        db.execute(
            "VACUUM inquiry, message, attachment, attachment_blob, email, search_fts, "
            "search_inquiry"
        )
        return
    with transaction(db):
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        db.execute("INSERT INTO search_inquiry (search_inquiry) VALUES ('optimize')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
