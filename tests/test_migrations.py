"""Migrations run on open, keep every row, and end at the schema models.py declares.

"The schema models.py declares" is taken literally: SQLAlchemy builds it from the models
into a second file (`models.create_schema`), and the two files' catalogs must be equal
(see schema_catalog.py for what that covers)."""

from __future__ import annotations

import sqlite3

import pytest
from schema_catalog import assert_same, sqlite_catalog
from sqlalchemy import Index, String

from supportcli.errors import StorageFailure
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


@pytest.fixture(scope="module")
def declared(tmp_path_factory) -> dict[str, object]:
    """The catalog of the schema as SQLAlchemy builds it from models.py."""
    from sqlalchemy import create_engine

    from supportcli.store import models

    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('models') / 'models.db'}")
    with engine.begin() as connection:
        models.create_schema(connection)
    engine.dispose()
    return _catalog_of(engine.url.database)


def _catalog_of(path) -> dict[str, object]:
    db = sqlite3.connect(path)
    try:
        return sqlite_catalog(db)
    finally:
        db.close()


def test_a_new_history_has_exactly_the_schema_models_declare(tmp_path, declared):
    dbmod.connect(str(tmp_path / "h.db")).close()
    assert_same(_catalog_of(tmp_path / "h.db"), declared)


def test_the_first_schema_migrated_is_exactly_the_declared_one(tmp_path, declared):
    _first_schema(tmp_path / "old.db")
    dbmod.connect(str(tmp_path / "old.db")).close()
    assert_same(_catalog_of(tmp_path / "old.db"), declared)


@pytest.mark.parametrize("steps", range(1, len(MIGRATIONS)), ids=lambda n: MIGRATIONS[n - 1][0])
def test_every_older_schema_migrates_to_the_declared_one(tmp_path, monkeypatch, declared, steps):
    path = str(tmp_path / "h.db")
    monkeypatch.setattr(dbmod, "MIGRATIONS", MIGRATIONS[:steps])  # a release of that time
    old = dbmod.connect(path)
    _seed(old, steps)
    old.close()
    monkeypatch.setattr(dbmod, "MIGRATIONS", MIGRATIONS)
    dbmod._VERIFIED.clear()  # as in a new process

    db = dbmod.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert_same(_catalog_of(path), declared)
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _SEEDED]
    assert counts == [3, 6, 3, 3]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    _assert_references_and_search_work(db)


_SEEDED = ("inquiry", "message", "email", "attachment")


def _seed(db, steps: int) -> None:
    """Rows in the columns a history of `steps` migrations has; 2 and 3 are follow-ups of 1."""
    stamp = "2026-01-02T03:04:05.000000+00:00"
    for n in (1, 2, 3):
        db.execute(
            "INSERT INTO inquiry (id, channel, topic, subject, status, created_at, updated_at) "
            "VALUES (?, 'email', 'payment', ?, 'sent', ?, ?)",
            (n, f"환불 요청 {n}", stamp, stamp),
        )
        for seq, role in ((1, "customer"), (2, "agent")):
            columns, values = "inquiry_id, role, body, created_at", [n, role, f"본문 {n}", stamp]
            if steps >= 6:  # m006 numbers a message within its inquiry
                columns, values = columns + ", seq", [*values, seq]
            marks = ", ".join("?" * len(values))
            db.execute(f"INSERT INTO message ({columns}) VALUES ({marks})", values)
        db.execute(
            "INSERT INTO email (inquiry_id, from_addr, to_addrs, message_id) "
            "VALUES (?, 'me@example.com', '[\"d@example.com\"]', ?)",
            (n, f"<{n}@example.com>"),
        )
        db.execute(
            "INSERT INTO attachment (inquiry_id, filename, size, sha256, content_type, "
            "created_at) VALUES (?, '영수증.pdf', 3, 'abc', 'application/pdf', ?)",
            (n, stamp),
        )
    if steps >= 2:
        db.execute("UPDATE inquiry SET parent_id = 1 WHERE id > 1")
    if steps >= 5:
        db.execute("INSERT INTO mailbox_state VALUES ('me@imap:993/INBOX', 7, 42, ?)", (stamp,))


def _assert_references_and_search_work(db) -> None:
    """After a table was rebuilt: its search triggers fire, and the rows referring to it
    still point at it (deleting cascades, a follow-up's parent becomes NULL)."""
    from supportcli.store.reads import Filters, list_rows

    assert len(list_rows(db, Filters(search="환불", limit=0))) == 3
    db.execute("UPDATE inquiry SET subject = 'zebra crossing' WHERE id = 3")
    assert len(list_rows(db, Filters(search="zebra", limit=0))) == 1
    db.execute("DELETE FROM inquiry WHERE id = 1")
    assert db.execute("SELECT count(*) FROM message").fetchone()[0] == 4
    assert db.execute("SELECT count(*) FROM attachment").fetchone()[0] == 2
    assert db.execute("SELECT parent_id FROM inquiry").fetchall() == [(None,), (None,)]
    assert len(list_rows(db, Filters(search="환불", limit=0))) == 1


CONTRACT_STATUSES = {  # shared/CONTRACT.md, "support email"
    "chat": ("open", "resolved", "unresolved", "escalated"),
    "email": ("draft", "queued", "sent", "failed", "answered", "closed"),
}


def test_the_database_refuses_a_status_its_channel_does_not_have(tmp_path):
    db = dbmod.connect(str(tmp_path / "h.db"))

    def insert(channel: str, status: str, previous_status: str | None = None) -> None:
        db.execute(
            "INSERT INTO inquiry (channel, topic, status, previous_status, created_at, "
            "updated_at) VALUES (?, 'other', ?, ?, 'then', 'then')",
            (channel, status, previous_status),
        )

    for channel, statuses in CONTRACT_STATUSES.items():
        for status in statuses:
            insert(channel, status)
    for channel, status in [("chat", "sent"), ("email", "open"), ("email", "Sent"), ("chat", "")]:
        with pytest.raises(StorageFailure, match="inquiry_status_check"):
            insert(channel, status)
    for previous in CONTRACT_STATUSES["email"][:-1]:
        insert("email", "closed", previous_status=previous)
    with pytest.raises(StorageFailure, match="inquiry_previous_status_check"):
        insert("email", "closed", previous_status="closed")


def _replace_index(table, name: str, *columns: str, **options: object) -> None:
    table.indexes = {index for index in table.indexes if index.name != name}
    Index(name, *(table.c[c] for c in columns), **options)  # attaches itself to the table


def _set(obj, **values: object) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def _edit(search: list[str], old: str, new: str) -> None:
    search[:] = [statement.replace(old, new) for statement in search]


def _move_last(table, name: str) -> None:
    column = table.c[name]
    table._columns.remove(column)
    table._columns.add(column)


# One change of each kind the comparison must notice, made to a copy of the models
# (t: its tables) or of SQLite's search DDL (s).
_CHANGES = {
    "type": lambda t, s: _set(t["message"].c.body, type=String()),
    "nullability": lambda t, s: _set(t["mailbox_state"].c.synced_at, nullable=True),
    "server default": lambda t, s: _set(t["email"].c.attempts, server_default=None),
    "column order": lambda t, s: _move_last(t["message"], "sent_at"),
    "check": lambda t, s: _set(
        t["inquiry"],
        constraints={c for c in t["inquiry"].constraints if c.name != "inquiry_status_check"},
    ),
    "on delete": lambda t, s: _set(
        next(iter(t["attachment"].c.message_id.foreign_keys)).constraint, ondelete="SET NULL"
    ),
    "unique": lambda t, s: _replace_index(
        t["attachment"], "attachment_sha256", "sha256", unique=True
    ),
    "index columns": lambda t, s: _replace_index(t["inquiry"], "inquiry_created", "created_at"),
    "partial index": lambda t, s: _replace_index(t["message"], "message_pending", "inquiry_id"),
    "search trigger": lambda t, s: _edit(s, "UPDATE OF subject", "UPDATE OF subject, topic"),
    "search tokenizer": lambda t, s: _edit(s, "remove_diacritics 2", "remove_diacritics 1"),
    "search settings": lambda t, s: _edit(s, "'automerge', 0", "'automerge', 4"),
}


@pytest.mark.parametrize("change", _CHANGES)
def test_the_comparison_notices_every_kind_of_change(tmp_path, declared, change):
    """The schema tests above are only as good as the catalog they compare: a copy of the
    models with one change must not compare equal."""
    from sqlalchemy import MetaData, create_engine

    from supportcli.store import models

    metadata = MetaData()
    for model in models.TABLES:
        model.__table__.to_metadata(metadata)
    search = list(models.SQLITE_SEARCH)
    _CHANGES[change](metadata.tables, search)
    engine = create_engine(f"sqlite:///{tmp_path / 'changed.db'}")
    with engine.begin() as connection:
        metadata.create_all(connection)
        for statement in search:
            connection.exec_driver_sql(statement)
    engine.dispose()
    assert _catalog_of(tmp_path / "changed.db") != declared
