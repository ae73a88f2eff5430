"""Opening the history: find it, refuse what is not ours, create it privately, migrate it.

SQLite is used through the standard library's sqlite3 (fast to import, exact control of
transactions); `models.py` declares the same schema for SQLModel and the tests keep the
two in step. A PostgreSQL URL in SUPPORT_DB opens a shared history instead, through
`postgres.PgConnection`, which takes the same SQL; `is_postgres` tells the few places
that differ.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supportcli import paths, system
from supportcli.errors import NotOurDatabase, StorageError, StorageFailure
from supportcli.i18n import N_, _
from supportcli.store.dialect import Database, is_postgres, is_postgres_url
from supportcli.store.migrations import MIGRATIONS
from supportcli.store.search import fold, terms

APPLICATION_ID = 0x53555054  # "SUPT", stamped into the header of every history we create
_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0

# Histories this process has already checked and migrated. The header is read with a plain
# file descriptor, and closing any descriptor of a file drops every POSIX lock the process
# holds on it, SQLite's included: doing that while another connection of ours is open lets
# a second process write at the same time and corrupts the file. So it is read once, before
# this process has any connection to the history.
_VERIFIED: set[Path] = set()
_VERIFIED_URLS: set[str] = set()

# The connection of each history this process uses (by file path or URL), with the pid
# that opened it. One per history: a second connection of ours to one SQLite file would
# only wait on the first one's locks.
_OPEN: dict[str, tuple[int, Database]] = {}


def now() -> str:
    """The current time as stored: UTC, ISO 8601, fixed width so text order is time order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def where() -> str:
    """The history in use, as `config path` shows it (a database URL without password)."""
    value = paths.db_target()
    if is_postgres_url(value):
        # Imported here: psycopg only for a shared history.
        from supportcli.store.postgres import safe_url

        return safe_url(value)
    return str(resolve(value))


def resolve(target: str | None = None) -> Path:
    """The SQLite file named by SUPPORT_DB (a path or a sqlite:/// URL) or the default."""
    value = target or paths.db_target()
    if "://" in value:
        scheme, _sep, rest = value.partition("://")
        if scheme != "sqlite":
            raise StorageError(
                _(
                    "SUPPORT_DB: {scheme} databases are not supported; use a path to an SQLite "
                    "file, sqlite:///path or postgresql+psycopg://user@host/database"
                ).format(scheme=scheme)
            )
        value = rest[1:] if rest.startswith("/") else rest
    return Path(value).expanduser().absolute()


def connect(target: str | None = None, *, conversation: bool = False) -> Database:
    """The command's connection to the history: opened, checked and migrated on first use,
    then the same one for the rest of the process, until `close_all` (or its own close).

    `conversation`: a chat commits a message at a time while someone waits for each; the
    occasional automatic WAL checkpoint (which syncs the disk) would stall one of those
    commits for tens of milliseconds, so it is left to `checkpoint` at the chat's end."""
    value = target or paths.db_target()
    key = value if is_postgres_url(value) else str(resolve(value))
    pid, db = _OPEN.get(key, (0, None))
    if db is None or pid != os.getpid() or db.closed:
        db = _connect_postgres(value) if is_postgres_url(value) else _connect_sqlite(value)
        _OPEN[key] = (os.getpid(), db)
    if conversation and not is_postgres(db):
        db.execute("PRAGMA wal_autocheckpoint = 0")
    return db


def close_all() -> None:
    """Close every connection this process opened: the end of a command (`cli.root.run`),
    or of a test. A forked child leaves its parent's alone."""
    while _OPEN:
        _, (pid, db) = _OPEN.popitem()
        if pid == os.getpid():
            with contextlib.suppress(sqlite3.Error, StorageError):  # nothing left to save
                if getattr(db, "total_changes", 0):  # a command that wrote, never a reader
                    index_pending(db)
                db.close()


def _connect_sqlite(value: str) -> Database:
    path = resolve(value)
    try:
        if path not in _VERIFIED:
            if not path.exists():
                paths.ensure_private_dir(path.parent, N_("history folder"))
                _create(path)
            paths.check_private(path.parent, N_("history folder"))
            paths.check_private(path, N_("history"))
            _check_companions(path)
            version = _check_ours(path)
        db = _open(path)
        if path not in _VERIFIED and version < len(MIGRATIONS):
            migrate(db)
        _VERIFIED.add(path)
    except sqlite3.DatabaseError as exc:
        raise StorageFailure(str(path), describe(exc)) from exc
    except OSError as exc:
        raise StorageError(f"{path}: {exc.strerror or exc}") from exc
    return db


def _connect_postgres(url: str):  # type: ignore[no-untyped-def]
    try:
        # Imported here: psycopg only for a shared history.
        from supportcli.store import postgres
    except ImportError:
        raise StorageError(
            _(
                "SUPPORT_DB names a PostgreSQL database, but psycopg is not installed: "
                "pip install 'support[postgres]'"
            )
        ) from None
    db = postgres.connect(url, password=_db_password(url))
    try:
        if url not in _VERIFIED_URLS and not postgres.up_to_date(db, [n for n, _ in MIGRATIONS]):
            migrate(db)
    except BaseException:
        db.close()
        raise
    _VERIFIED_URLS.add(url)
    return db


def shared_account() -> str | None:
    """Whose password the keyring keeps for the shared history SUPPORT_DB names
    (user@host:port/database); None when the history is an SQLite file."""
    value = paths.db_target()
    if not is_postgres_url(value):
        return None
    # Imported here: psycopg only for a shared history.
    from supportcli.store.postgres import account_of

    return account_of(value)


def _db_password(url: str) -> str | None:
    """SUPPORT_DB_PASSWORD, else the keyring (`support config password --db`); None leaves
    it to libpq (a password in the URL, PGPASSWORD, ~/.pgpass, or none needed)."""
    # Imported here: psycopg only for a shared history.
    from supportcli.store.postgres import account_of, has_password

    if has_password(url) or os.environ.get("PGPASSWORD"):
        return None
    # Imported here: config loads tomllib and the address checks, which `list` never needs.
    from supportcli.config import load_password

    return load_password("db", account_of(url))


def checkpoint(db: Database) -> None:
    """Housekeeping after a conversation, when nobody waits: some search-index merging
    (bounded), then fold the write-ahead log back into the history without waiting for
    readers. Skipped quietly if the history is busy: the next writer will do it."""
    if is_postgres(db):
        return  # the server does its own housekeeping (autovacuum)
    with contextlib.suppress(StorageError):
        index_pending(db)
        db.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('merge', 200)")
        db.execute("INSERT INTO search_inquiry (search_inquiry, rank) VALUES ('merge', 200)")
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")


def index_pending(db: Database) -> None:
    """SQLite: rewrite the inquiry-level search rows (`search_inquiry`) of the inquiries
    written since, each from its whole text, once (see migrations.m010). Called when a
    command that wrote closes the history and when a chat ends, never inside a message's
    commit; a reader leaves them to the writers (rows left by a killed process are taken
    up by the next command that writes)."""
    if is_postgres(db) or db.in_transaction:
        return
    pending = [row[0] for row in db.execute("SELECT inquiry_id FROM search_pending")]
    if not pending:
        return
    with transaction(db):
        for inquiry_id in pending:
            db.execute(
                "UPDATE search_inquiry SET terms = support_terms("
                "(SELECT subject FROM inquiry WHERE id = :id), "
                "(SELECT group_concat(body, ' ') FROM message WHERE inquiry_id = :id)) "
                "WHERE rowid = :id",
                {"id": inquiry_id},
            )
            db.execute("DELETE FROM search_pending WHERE inquiry_id = ?", (inquiry_id,))


def describe(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "malformed" in text or "not a database" in text:
        return _("the history file is damaged (it is not a complete SQLite database)")
    if "full" in text:
        return _("the disk is full")
    if "disk I/O error" in text:
        return _("could not write to the disk (is it full or failing?)")
    if "readonly" in text or "unable to open" in text:
        return _("cannot write the history here (is its folder read-only?)")
    if "locked" in text:
        return _("the history stayed busy (locked by another support process)")
    return text


class _Cursor(sqlite3.Cursor):
    """Rows are read step by step, so a damaged page can fail a fetch as well as the
    statement: each fetch raises the store's StorageFailure, never sqlite3's error."""

    def fetchone(self):  # type: ignore[no-untyped-def]
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise self.connection.failure(exc) from exc  # type: ignore[attr-defined]

    def fetchmany(self, size: int | None = None):  # type: ignore[no-untyped-def, override]
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.Error as exc:
            raise self.connection.failure(exc) from exc  # type: ignore[attr-defined]

    def fetchall(self):  # type: ignore[no-untyped-def]
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise self.connection.failure(exc) from exc  # type: ignore[attr-defined]

    def __next__(self):  # type: ignore[no-untyped-def]
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            raise self.connection.failure(exc) from exc  # type: ignore[attr-defined]


class _Connection(sqlite3.Connection):
    """sqlite3's connection, whose errors leave the store as StorageFailure with the one
    line `describe` gives, naming the history's file."""

    where = ""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return self.cursor(_Cursor).execute(sql, parameters)
        except sqlite3.Error as exc:
            raise self.failure(exc) from exc

    def failure(self, exc: sqlite3.Error) -> StorageFailure:
        return StorageFailure(self.where, describe(exc))

    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def _open(path: Path) -> Database:
    db = _connection(path)
    try:
        _configure(db)
    except StorageFailure as exc:
        if getattr(exc.__cause__, "sqlite_errorname", "") not in _NO_ROOM:
            raise
        db.close()
        # A full disk: WAL's shared-memory index (the -shm file) cannot grow. In exclusive
        # locking mode SQLite keeps that index in this process's memory instead, so reading
        # the history still works; writers elsewhere wait for this one command.
        db = _connection(path)
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        _configure(db)
    return db


# What SQLite says when the disk has no room for the shared-memory index.
_NO_ROOM = {"SQLITE_IOERR_SHMSIZE", "SQLITE_IOERR_SHMMAP", "SQLITE_FULL"}


def _connection(path: Path) -> Database:
    db = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
        check_same_thread=False,
        factory=_Connection,
    )
    db.where = str(path)
    db.create_function("support_fold", 1, fold, deterministic=True)
    db.create_function("support_terms", -1, terms, deterministic=True)
    return db


def _configure(db: Database) -> None:
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    db.execute("PRAGMA foreign_keys = ON")
    # WAL with synchronous=NORMAL: a commit is durable against a killed process (the WAL
    # is written before COMMIT returns); only a power cut can lose the last commits.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA secure_delete = ON")


def _check_companions(path: Path) -> None:
    """SQLite refuses a -wal, -shm or -journal beside the history that is a link (someone
    may point it at a file of theirs), but only says it cannot open it: say what it is."""
    for suffix in ("-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.is_symlink() or (companion.exists() and not companion.is_file()):
            if companion.is_symlink():
                problem = _(
                    "{companion} is a symbolic link; SQLite will not use it, so the history "
                    "cannot be opened (remove it if you did not put it there)"
                )
            else:
                problem = _(
                    "{companion} is not a regular file; SQLite will not use it, so the history "
                    "cannot be opened (remove it if you did not put it there)"
                )
            raise StorageError(problem.format(companion=companion))


def _check_ours(path: Path) -> int:
    """Read the header without letting SQLite touch the file; return the schema version."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header:
        raise NotOurDatabase(
            _("{path} is an empty file, not a support history; left untouched").format(path=path)
        )
    if not header.startswith(_MAGIC) or len(header) < 100:
        raise NotOurDatabase(
            _("{path} is not a support history (not an SQLite database); left untouched").format(
                path=path
            )
        )
    (version,) = struct.unpack(">i", header[60:64])
    (app_id,) = struct.unpack(">i", header[68:72])
    if app_id != APPLICATION_ID:
        raise NotOurDatabase(
            _(
                "{path} is another program's SQLite database, not a support history; left untouched"
            ).format(path=path)
        )
    if version > len(MIGRATIONS):
        raise NotOurDatabase(
            _(
                "{path} was written by a newer version of support; upgrade support to open it"
            ).format(path=path)
        )
    system.tighten(path, 0o600)
    return version


def _create(path: Path) -> None:
    """Build a new history beside `path`, then link it into place in one step.

    A history is therefore never an empty or half-made file, which is what lets us refuse
    any empty file as not ours; and it is 0600 before SQLite writes its first byte."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.new")
    os.close(paths.create_private_file(tmp))
    try:
        db = _open(tmp)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        migrate(db)
        db.close()
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def migrate(db: Database) -> list[str]:
    """Apply the steps this history has not had yet; return their names.

    On SQLite the steps run with foreign keys off, as SQLite's way to add a constraint is
    to rebuild the table (see `migrations.m008_status_checks`), and dropping the old table
    with them on would cascade-delete every row that refers to it. (The pragma is a no-op
    inside a transaction, hence here.) A rebuild copies every row with its id, so every
    reference still holds; the migration tests check it with `PRAGMA foreign_key_check`."""
    if is_postgres(db):
        return _migrate(db)
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        return _migrate(db)
    finally:
        db.execute("PRAGMA foreign_keys = ON")


def _migrate(db: Database) -> list[str]:
    applied = []
    with transaction(db):
        if is_postgres(db):
            # Imported here: psycopg only for a shared history.
            from supportcli.store.postgres import claim_schema

            claim_schema(db)  # type: ignore[arg-type]  # a PgConnection, as checked
        db.execute(
            "CREATE TABLE IF NOT EXISTS _support_migrations ("
            "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in db.execute("SELECT name FROM _support_migrations")}
        if done - {name for name, _ in MIGRATIONS}:
            raise NotOurDatabase(
                _(
                    "the history was written by a newer version of support; "
                    "upgrade support to open it"
                )
            )
        for name, step in MIGRATIONS:
            if name in done:
                continue
            step(db)
            db.execute("INSERT INTO _support_migrations VALUES (?, ?)", (name, now()))
            applied.append(name)
        if not is_postgres(db):
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
    return applied


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction that holds the write lock from its first statement.

    A deferred transaction that later upgrades to a write fails at once with "database is
    locked" when another writer got there first, whatever the busy timeout; IMMEDIATE
    waits for the lock instead."""
    db.execute("BEGIN" if is_postgres(db) else "BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(StorageError):  # a dead server rolls back by itself
                db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
