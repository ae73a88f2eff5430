"""Which engine a history is on: SQLite (a file) or PostgreSQL (a shared database)."""

from __future__ import annotations

from typing import Any, Protocol

POSTGRES_SCHEMES = ("postgresql+psycopg", "postgresql", "postgres")


def is_postgres_url(value: str) -> bool:
    return value.partition("://")[0] in POSTGRES_SCHEMES


def is_postgres(db: object) -> bool:
    """Whether this connection is to a shared PostgreSQL history (else SQLite)."""
    return getattr(db, "dialect", None) == "postgresql"


class Database(Protocol):
    """What the store needs of a connection: sqlite3's, or `postgres.PgConnection`."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    @property
    def in_transaction(self) -> bool: ...

    @property
    def closed(self) -> bool: ...

    def close(self) -> None: ...
