"""Migrations run on open, keep every row, and end at the schema models.py declares."""

from __future__ import annotations

import sqlite3

import pytest

from supportcli.store import db as dbmod
from supportcli.store.migrations import MIGRATIONS, m001_initial
from supportcli.store.search import fold


def _first_schema(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.create_function("support_fold", 1, fold)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA application_id = {dbmod.APPLICATION_ID}")
    db.execute("BEGIN")
    m001_initial(db)
    db.execute("CREATE TABLE _support_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    db.execute("INSERT INTO _support_migrations VALUES ('m001_initial', 'then')")
    db.execute("PRAGMA user_version = 1")
    stamp = "2026-01-02T03:04:05.000000+00:00"
    for n in range(1, 51):
        db.execute(
            "INSERT INTO inquiry VALUES (?, 'email', 'payment', ?, 'sent', ?, ?)",
            (n, f"환불 요청 {n}", stamp, stamp),
        )
        db.execute(
            "INSERT INTO message (inquiry_id, role, body, created_at) VALUES (?, 'customer', ?, ?)",
            (n, f"결제했는데 환불이 안 돼요 #{n} 🙏", stamp),
        )
        db.execute(
            "INSERT INTO message (inquiry_id, role, body, created_at) "
            "VALUES (?, 'agent', 'We are on it', ?)",
            (n, stamp),
        )
        db.execute(
            "INSERT INTO email VALUES (?, 'me@example.com', '[\"d@example.com\"]', '[]', "
            "?, 1, NULL, ?)",
            (n, f"<{n}@example.com>", stamp),
        )
        db.execute(
            "INSERT INTO attachment (inquiry_id, filename, size, sha256, content_type, "
            "created_at) VALUES (?, '영수증.pdf', 3, 'abc', 'application/pdf', ?)",
            (n, stamp),
        )
    db.execute("COMMIT")
    db.close()


def test_migrating_from_the_first_schema_keeps_every_row(tmp_path):
    path = tmp_path / "old.db"
    _first_schema(path)
    db = dbmod.connect(str(path))
    names = [row[0] for row in db.execute("SELECT name FROM _support_migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT count(*) FROM inquiry").fetchone()[0] == 50
    assert db.execute("SELECT count(*) FROM message").fetchone()[0] == 100
    assert db.execute("SELECT count(*) FROM email").fetchone()[0] == 50
    assert db.execute("SELECT count(*) FROM attachment").fetchone()[0] == 50
    row = db.execute("SELECT body FROM message WHERE inquiry_id = 7 ORDER BY id").fetchone()
    assert row[0] == "결제했는데 환불이 안 돼요 #7 🙏"
    # derived columns were filled in, and the old text was indexed for search
    assert db.execute("SELECT last_role FROM inquiry WHERE id = 7").fetchone()[0] == "agent"
    from supportcli.store.reads import Filters, list_rows

    assert len(list_rows(db, Filters(search="결제", limit=0))) == 50


def test_opening_again_runs_nothing(tmp_path):
    path = tmp_path / "h.db"
    db = dbmod.connect(str(path))
    assert dbmod.migrate(db) == []


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "h.db"
    db = dbmod.connect(str(path))
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    dbmod._VERIFIED.clear()  # as in a new process: the header is read once per process
    with pytest.raises(dbmod.NotOurDatabase, match="newer version"):
        dbmod.connect(str(path))


def test_migrated_schema_is_the_one_models_declare(tmp_path):
    from supportcli.store import models

    db = dbmod.connect(str(tmp_path / "h.db"))
    for table in models.TABLES:
        name = table.__tablename__
        declared = {c.name: c for c in table.__table__.columns}
        actual = {row[1]: row for row in db.execute(f"PRAGMA table_info({name})")}
        assert set(actual) == set(declared), name
        for column, info in actual.items():
            assert bool(info[5]) == declared[column].primary_key, (name, column)
            if not declared[column].primary_key:
                assert bool(info[3]) == (not declared[column].nullable), (name, column)
        fks = {(row[3], row[2]) for row in db.execute(f"PRAGMA foreign_key_list({name})")}
        declared_fks = {
            (fk.parent.name, fk.column.table.name)
            for c in declared.values()
            for fk in c.foreign_keys
        }
        assert fks == declared_fks, name
