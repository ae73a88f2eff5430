"""The history on a shared PostgreSQL database (SUPPORT_DB=postgresql+psycopg://user@host/db).

Imported only when SUPPORT_DB names PostgreSQL, so the SQLite path never loads psycopg.
The rest of the store talks to both engines through the few calls sqlite3 offers
(`execute` with `?` or `:name` parameters, `in_transaction`, `close`); `PgConnection`
translates the parameters and turns every database error into one clear StorageError.

Everything of ours lives in the schema `support`, so a shared database can hold other
programs' tables beside it. Search has neither FTS5 nor Python inside the server, so the
text is folded here exactly as for SQLite and stored as a `tsvector` in the table
`search_fts`, keyed by the same rowids (`inquiry id << 20 | position`); `store.writes`
keeps it in step.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import pq

from supportcli.errors import NotOurDatabase, StorageError, StorageFailure
from supportcli.i18n import _
from supportcli.store.search import WORD, fold

SCHEMA = "support"
CONNECT_TIMEOUT_S = 10
MIGRATION_LOCK = 0x53555054  # pg_advisory_xact_lock key while migrating ("SUPT")

# A tsvector keeps at most 256 positions per lexeme, positions up to 16383, lexemes up to
# 2 KiB and 1 MiB in all; text beyond that is still stored, just not all of it indexed.
_MAX_POSITIONS, _MAX_POSITION, _MAX_LEXEME, _MAX_VECTOR = 256, 16383, 2000, 900_000


def has_password(url: str) -> bool:
    return urlsplit(url).password is not None


def safe_url(url: str) -> str:
    """The URL with any password replaced, for messages and `config path`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class PgConnection:
    """A psycopg connection that takes the store's SQLite-style SQL."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any], where: str) -> None:
        self._conn = conn
        self.where = where

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor[Any]:
        try:
            # cursor() itself raises once the server has gone and psycopg closed the link
            cursor = self._conn.cursor()
            cursor.execute(translate(sql), _without_nul(params) if params else ())
        except psycopg.Error as exc:
            raise StorageFailure(self.where, describe(exc)) from exc
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != pq.TransactionStatus.IDLE

    @property
    def closed(self) -> bool:
        """Closed, or lost (the server went away): `db.connect` then opens a new one."""
        return self._conn.closed

    def close(self) -> None:
        self._conn.close()


def _without_nul(params: Any) -> Any:
    """PostgreSQL's text cannot hold NUL, which SQLite keeps. Nobody types one on purpose
    (email bodies refuse it), but a chat line or a filed answer may carry one: it is kept
    as U+FFFD rather than losing the whole message."""
    if isinstance(params, dict):
        return {
            k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v for k, v in params.items()
        }
    return [v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in params]


def connect(url: str, password: str | None = None) -> PgConnection:
    parts = urlsplit(url)
    conninfo = urlunsplit(parts._replace(scheme="postgresql"))
    extra: dict[str, Any] = {"password": password} if password and not parts.password else {}
    try:
        conn = psycopg.connect(
            conninfo,
            autocommit=True,  # transactions are begun explicitly, as with SQLite
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="support",
            options=f"-c search_path={SCHEMA}",
            **extra,
        )
    except psycopg.Error as exc:
        raise StorageFailure(safe_url(url), describe(exc)) from exc
    return PgConnection(conn, safe_url(url))


_PARAM = re.compile(r"'(?:[^']|'')*'|\?|(?<!:):([A-Za-z_]\w*)|%")


@lru_cache(maxsize=256)
def translate(sql: str) -> str:
    """`?` and `:name` parameters (sqlite3's styles) as psycopg's `%s` and `%(name)s`."""

    def swap(match: re.Match[str]) -> str:
        text = match.group()
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return text  # a string literal, left alone

    return _PARAM.sub(swap, sql)


def describe(exc: psycopg.Error) -> str:
    """One line a customer can act on, never the password or a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.OperationalError):
        if "password" in text or "authentication" in text:
            return _("the database refused the login (check the user and its password)")
        if "does not exist" in text:
            return _("the database said: {text}").format(text=text)
        if "timeout" in text or "Connection refused" in text or "connect" in text:
            return _("cannot reach the shared history's database server (is it running?)")
        return _("lost the connection to the shared history's database ({text})").format(text=text)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return _("this database user may not do that: {text}").format(text=text)
    if isinstance(exc, psycopg.errors.DiskFull):
        return _("the database server's disk is full")
    return text


def _plain(token: str) -> str:
    """A token as the index keeps it: lower case, without diacritics (as FTS5's
    `unicode61 remove_diacritics 2` does on SQLite)."""
    token = token.lower()
    if token.isascii():
        return token
    bare = "".join(c for c in unicodedata.normalize("NFD", token) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(text: str | None) -> str:
    """The text of a subject or message as a tsvector literal, with positions."""
    positions: dict[str, list[int]] = defaultdict(list)
    for n, token in enumerate(WORD.findall(fold(text)), start=1):
        lexeme = _plain(token)[:_MAX_LEXEME]
        if len(positions[lexeme]) < _MAX_POSITIONS:
            positions[lexeme].append(min(n, _MAX_POSITION))
    parts, size = [], 0
    for lexeme, where in positions.items():
        part = f"{_quote(lexeme)}:{','.join(map(str, sorted(set(where))))}"
        size += len(part.encode()) + 1
        if size > _MAX_VECTOR:
            break
        parts.append(part)
    return " ".join(parts)


def tsquery(tokens: list[str], prefix: bool) -> str:
    """One query word (see `search.query_words`) as a tsquery phrase."""
    lexemes = [_quote(_plain(t)[:_MAX_LEXEME]) for t in tokens]
    if prefix:
        lexemes[-1] += ":*"
    return " <-> ".join(lexemes)


def tsquery_all(tokens: list[str], prefix: bool) -> str:
    """One query word as each of its lexemes (`'a' & 'b':*`), for the inquiry vectors,
    which have no positions."""
    lexemes = [_quote(_plain(t)[:_MAX_LEXEME]) for t in tokens]
    if prefix:
        lexemes[-1] += ":*"
    return " & ".join(lexemes)


def account_of(url: str) -> str:
    """Who the keyring keeps the password for: user@host:port/database."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{parts.username or ''}@{host}:{parts.port or 5432}{parts.path or '/'}"


def up_to_date(db: PgConnection, names: list[str]) -> bool:
    """Whether every migration has run (one query, no lock: the common case)."""
    try:
        done = {row[0] for row in db.execute("SELECT name FROM _support_migrations")}
    except StorageError:
        return False  # no such table yet: `claim_schema` looks closer, under the lock
    return done == set(names)


def claim_schema(db: PgConnection) -> None:
    """Inside the migration transaction: wait for any other process migrating, then make
    the schema ours, or refuse one that holds another program's tables."""
    db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
    if db.execute("SELECT 1 FROM pg_namespace WHERE nspname = ?", (SCHEMA,)).fetchone() is None:
        db.execute(f"CREATE SCHEMA {SCHEMA}")
        return
    tables = {
        row[0]
        for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = ?", (SCHEMA,))
    }
    if tables and "_support_migrations" not in tables:
        raise NotOurDatabase(
            _(
                "{where}: the schema {schema!r} holds another program's tables, "
                "not a support history; left untouched"
            ).format(where=db.where, schema=SCHEMA)
        )
