"""The history's schema, declared once, with SQLModel: the single declaration.

`migrations.py` builds this schema step by step in hand-written SQL (a step never changes
once shipped); `tests/test_migrations.py` and `tests/test_postgres.py` build it a second
time from these declarations (`create_schema`) and check that the two databases' catalogs
are identical: tables, column order, types, nullability, server defaults, keys, ON DELETE,
CHECK and unique constraints, indexes with their WHERE clauses, and the search index. A
change here without a migration, or a migration without a change here, fails them.

The command-line read and write paths use the standard library's sqlite3 for speed
(importing SQLModel costs a third of a second), so only the schema tests import this.

The two engines differ in three ways, all declared here:
- integers are INTEGER on SQLite (so `id INTEGER PRIMARY KEY` is the rowid) and BIGINT on
  PostgreSQL, where `id` is an identity column (`Int`, `_id`);
- search: SQLite has the FTS5 table `search_fts` fed by triggers (`SQLITE_SEARCH`, DDL
  text, as SQLModel cannot express a virtual table); PostgreSQL has a plain table
  `search_fts` with a tsvector and a GIN index, fed by `store.writes` (`POSTGRES_ONLY`);
- PostgreSQL keeps stored attachments' bytes in `attachment_blob` (`POSTGRES_ONLY`).

Times are stored as ISO 8601 text in UTC (`2026-11-26T12:00:00.000000+00:00`): fixed width,
so text order is time order in every engine. Text columns are TEXT, never VARCHAR.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Computed,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field, SQLModel

Int = BigInteger().with_variant(Integer(), "sqlite")  # see the module's docstring


def _id() -> Any:
    """An `id INTEGER PRIMARY KEY` (SQLite's rowid), an identity column on PostgreSQL."""
    return Field(default=None, primary_key=True, sa_type=Int, sa_column_args=[Identity()])


def _text(*, server_default: str | None = None, **kwargs: Any) -> Any:
    """A TEXT column; `server_default` is filled in by the database."""
    if server_default is not None:
        kwargs["sa_column_kwargs"] = {"server_default": server_default}
    return Field(sa_type=Text, **kwargs)


def _int(**kwargs: Any) -> Any:
    return Field(sa_type=Int, **kwargs)


ROLES = "'customer', 'agent', 'system'"
CHAT_STATUSES = "'open', 'resolved', 'unresolved', 'escalated'"
EMAIL_STATUSES = "'draft', 'queued', 'sent', 'failed', 'answered', 'closed'"


class Inquiry(SQLModel, table=True):
    """A chat or an email inquiry. Columns in the order the migrations built them."""

    __table_args__ = (
        CheckConstraint("channel IN ('chat', 'email')", name="inquiry_channel_check"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="inquiry_rating_check"),
        CheckConstraint(
            f"channel = 'chat' AND status IN ({CHAT_STATUSES}) "
            f"OR channel = 'email' AND status IN ({EMAIL_STATUSES})",
            name="inquiry_status_check",
        ),
        CheckConstraint(  # the statuses `reopen` returns to
            "previous_status IN ('draft', 'queued', 'sent', 'failed', 'answered')",
            name="inquiry_previous_status_check",
        ),
        Index("inquiry_created", "created_at", "id"),
        Index("inquiry_status", "status", "created_at"),
        # An id is never given again after a delete (m009); PostgreSQL's identity
        # sequence never goes back anyway.
        {"sqlite_autoincrement": True},
    )

    id: int | None = _id()
    channel: str = _text()
    topic: str = _text()
    subject: str = _text(server_default="")
    status: str = _text()
    created_at: str = _text()
    updated_at: str = _text()
    previous_status: str | None = _text(default=None)
    agent: str | None = _text(default=None)
    rating: int | None = _int(default=None)
    parent_id: int | None = _int(default=None, foreign_key="inquiry.id", ondelete="SET NULL")
    last_role: str | None = _text(default=None)
    last_message_at: str | None = _text(default=None)


class Message(SQLModel, table=True):
    """One message of an inquiry; `seq` is its position in the inquiry, from 1."""

    __table_args__ = (
        CheckConstraint(f"role IN ({ROLES})", name="message_role_check"),
        Index("message_inquiry", "inquiry_id", "id"),
        Index(
            "message_rfc_id",
            "rfc_message_id",
            unique=True,
            sqlite_where=text("rfc_message_id IS NOT NULL"),
            postgresql_where=text("rfc_message_id IS NOT NULL"),
        ),
        Index(  # follow-ups waiting for the outbox
            "message_pending",
            "inquiry_id",
            sqlite_where=text("delivery = 'pending'"),
            postgresql_where=text("delivery = 'pending'"),
        ),
        Index("message_seq", "inquiry_id", "seq", unique=True),
        Index(  # the originals of answers, for deciding whether a stored copy is orphaned
            "message_raw",
            "raw_sha256",
            sqlite_where=text("raw_sha256 IS NOT NULL"),
            postgresql_where=text("raw_sha256 IS NOT NULL"),
        ),
    )

    id: int | None = _id()
    inquiry_id: int = _int(foreign_key="inquiry.id", ondelete="CASCADE")
    role: str = _text()
    body: str = _text()
    created_at: str = _text()
    rfc_message_id: str | None = _text(default=None)
    meta: str | None = _text(default=None)
    delivery: str | None = _text(default=None, description="pending or sent, for follow-ups")
    sent_at: str | None = _text(default=None)
    seq: int | None = _int(default=None)
    sender: str | None = _text(default=None, description="From address of a mailed answer")
    verified: int | None = _int(default=None, description="1: from the desk, 0: a stranger")
    raw_sha256: str | None = _text(default=None, description="its original, in the store")
    raw_size: int | None = _int(default=None)


class Attachment(SQLModel, table=True):
    __table_args__ = (
        Index("attachment_inquiry", "inquiry_id", "id"),
        Index("attachment_sha256", "sha256"),
    )

    id: int | None = _id()
    inquiry_id: int = _int(foreign_key="inquiry.id", ondelete="CASCADE")
    message_id: int | None = _int(default=None, foreign_key="message.id", ondelete="CASCADE")
    filename: str = _text()
    size: int = _int()
    sha256: str = _text()
    content_type: str = _text()
    created_at: str = _text()


class Email(SQLModel, table=True):
    inquiry_id: int = Field(
        primary_key=True,
        foreign_key="inquiry.id",
        ondelete="CASCADE",
        sa_type=Int,
        sa_column_kwargs={"autoincrement": False},  # the inquiry's id, never generated
    )
    from_addr: str = _text()
    to_addrs: str = _text(description="JSON list of addresses")
    cc_addrs: str = _text(server_default="[]")
    message_id: str = _text(unique=True)
    attempts: int = _int(sa_column_kwargs={"server_default": text("0")})
    last_error: str | None = _text(default=None)
    sent_at: str | None = _text(default=None)
    claimed_by: str | None = _text(default=None, description="the outbox run sending it")
    claimed_at: str | None = _text(default=None)


class MailboxState(SQLModel, table=True):
    __tablename__ = "mailbox_state"

    mailbox: str = _text(primary_key=True, description="user@host:port/folder")
    uidvalidity: int = _int()
    last_uid: int = _int()
    synced_at: str = _text()


class UnreadMail(SQLModel, table=True):
    """A message `sync` could not file, its original kept for `sync --retry`."""

    __tablename__ = "unread_mail"
    __table_args__ = (
        Index("unread_mail_uid", "mailbox", "uidvalidity", "uid", unique=True),
        Index("unread_mail_raw", "raw_sha256"),
    )

    id: int | None = _id()
    mailbox: str = _text()
    uidvalidity: int = _int()
    uid: int = _int()
    reason: str = _text()
    raw_sha256: str = _text()
    raw_size: int = _int()
    kept_at: str = _text()


class SupportMigration(SQLModel, table=True):
    """Which migration steps have run (written by `db.migrate`, outside the steps)."""

    __tablename__ = "_support_migrations"

    name: str = _text(primary_key=True)
    applied_at: str = _text()


KB_KINDS = "'bundled', 'folder', 'zendesk', 'sitemap'"


class KbSource(SQLModel, table=True):
    """Where help-center articles come from: the bundled ones, chat.kb_dir, `kb add`."""

    __tablename__ = "kb_source"
    __table_args__ = (
        CheckConstraint(f"kind IN ({KB_KINDS})", name="kb_source_kind_check"),
        CheckConstraint("origin IN ('bundled', 'setting', 'user')", name="kb_source_origin_check"),
    )

    id: int | None = _id()
    kind: str = _text()
    origin: str = _text()
    location: str = _text(unique=True)
    name: str = _text(server_default="")
    locales: str = _text(server_default="")
    enabled: int = _int(sa_column_kwargs={"server_default": text("1")})
    added_at: str = _text()
    synced_at: str | None = _text(default=None)
    fingerprint: str | None = _text(default=None, description="a folder's files at import")
    problems: str = _text(server_default="", description="what the last import skipped")


class KbArticle(SQLModel, table=True):
    """One article; `length` is its length in index terms (BM25)."""

    __tablename__ = "kb_article"
    __table_args__ = (
        Index("kb_article_key", "source_id", "key", unique=True),
        Index("kb_article_slug", "slug"),
        # what ranking reads of each article it scores, without the rows' pages (m012)
        Index("kb_article_rank", "id", "language", "length", "topic", "slug"),
    )

    id: int | None = _id()
    source_id: int = _int(foreign_key="kb_source.id", ondelete="CASCADE")
    key: str = _text(description="the source's own name for it: id/locale, URL, file")
    slug: str = _text()
    link: str = _text()
    title: str = _text()
    topic: str = _text()
    category: str = _text(server_default="")
    language: str = _text()
    length: int = _int()
    keywords: str = _text(server_default="", description="one a line")
    body: str = _text()
    updated_at: str | None = _text(default=None, description="the source's update time")
    etag: str | None = _text(default=None)
    last_modified: str | None = _text(default=None)
    content_hash: str = _text()
    imported_at: str = _text()


class KbTerm(SQLModel, table=True):
    """The term index: an article's terms and how often each occurs in it."""

    __tablename__ = "kb_term"
    __table_args__ = (Index("kb_term_article", "article_id"), {"sqlite_with_rowid": False})

    term: str = _text(primary_key=True)
    article_id: int = Field(
        primary_key=True,
        foreign_key="kb_article.id",
        ondelete="CASCADE",
        sa_type=Int,
        sa_column_kwargs={"autoincrement": False},
    )
    freq: int = _int()


class KbTopic(SQLModel, table=True):
    """Which of our topics a source's category stands for (`support kb topics`)."""

    __tablename__ = "kb_topic"
    __table_args__ = (CheckConstraint("chosen IN ('auto', 'user')", name="kb_topic_chosen_check"),)

    source_id: int = Field(
        primary_key=True,
        foreign_key="kb_source.id",
        ondelete="CASCADE",
        sa_type=Int,
        sa_column_kwargs={"autoincrement": False},
    )
    category: str = _text(primary_key=True)
    topic: str = _text()
    chosen: str = _text()


class KbState(SQLModel, table=True):
    """The index's totals (articles, terms) and the analyzer version of its terms."""

    __tablename__ = "kb_state"

    name: str = _text(primary_key=True)
    value: str = _text()


def _key_to(target: str) -> Any:
    """A primary key that is another table's id (never generated), deleted with it."""
    return Field(
        primary_key=True,
        foreign_key=target,
        ondelete="CASCADE",
        sa_type=Int,
        sa_column_kwargs={"autoincrement": False},
    )


class MatrixRoom(SQLModel, table=True):
    """The Matrix room a chat was handed to (a live counsellor; m013)."""

    __tablename__ = "matrix_room"

    inquiry_id: int = _key_to("inquiry.id")
    homeserver: str = _text()
    user_id: str = _text()
    room_id: str = _text()
    device_id: str = _text(description="transaction ids count per device")
    since: str | None = _text(default=None, description="where /sync got to")
    handoff_seq: int = _int(description="the last message before the handoff")
    created_at: str = _text()


class MatrixEvent(SQLModel, table=True):
    """A message's event in its chat's room: sent, or received and filed."""

    __tablename__ = "matrix_event"

    message_id: int = _key_to("message.id")
    event_id: str = _text(unique=True)


TABLES = (
    Inquiry,
    Message,
    Attachment,
    Email,
    MailboxState,
    UnreadMail,
    SupportMigration,
    KbSource,
    KbArticle,
    KbTerm,
    KbTopic,
    KbState,
    MatrixRoom,
    MatrixEvent,
)  # both engines

POSTGRES_ONLY = MetaData()
Table(
    "attachment_blob",  # stored attachments' bytes, so every machine can send them
    POSTGRES_ONLY,
    Column("sha256", Text, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
Table(
    "search_fts",  # rowid = inquiry id << 20 | position (0: subject, 1..: messages)
    POSTGRES_ONLY,
    Column("rowid", BigInteger, primary_key=True, autoincrement=False),
    Column("inquiry_id", BigInteger, Computed("rowid >> 20", persisted=True)),
    Column("tokens", TSVECTOR, nullable=False),
    Index("search_fts_tokens", "tokens", postgresql_using="gin"),
    Index("search_fts_inquiry", "inquiry_id"),
)
Table(
    "search_inquiry",  # one row per inquiry: the stripped union of its rows in search_fts
    POSTGRES_ONLY,
    Column(
        "inquiry_id",
        BigInteger,
        ForeignKey(Inquiry.__table__.c.id, ondelete="CASCADE"),  # type: ignore[attr-defined]
        primary_key=True,
        autoincrement=False,
    ),
    Column("terms", TSVECTOR, nullable=False),
    Index("search_inquiry_terms", "terms", postgresql_using="gin"),
)

# SQLite's search index: a contentless FTS5 table (its shadow tables come with it), fed by
# triggers with `support_fold(text)`, a function every connection registers; automatic
# merging off (see migrations.m007).
SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE search_fts USING fts5 (
            tokens, content = '', tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_message_insert AFTER INSERT ON message BEGIN
            INSERT INTO search_fts (rowid, tokens)
                VALUES ((new.inquiry_id << 20) + new.seq, support_fold(new.body));
        END""",
    """CREATE TRIGGER search_message_delete AFTER DELETE ON message BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', (old.inquiry_id << 20) + old.seq, support_fold(old.body));
        END""",
    """CREATE TRIGGER search_message_update AFTER UPDATE OF body ON message BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', (old.inquiry_id << 20) + old.seq, support_fold(old.body));
            INSERT INTO search_fts (rowid, tokens)
                VALUES ((new.inquiry_id << 20) + new.seq, support_fold(new.body));
        END""",
    """CREATE TRIGGER search_subject_insert AFTER INSERT ON inquiry BEGIN
            INSERT INTO search_fts (rowid, tokens) VALUES (new.id << 20, support_fold(new.subject));
        END""",
    """CREATE TRIGGER search_subject_delete AFTER DELETE ON inquiry BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', old.id << 20, support_fold(old.subject));
        END""",
    """CREATE TRIGGER search_subject_update AFTER UPDATE OF subject ON inquiry BEGIN
            INSERT INTO search_fts (search_fts, rowid, tokens)
                VALUES ('delete', old.id << 20, support_fold(old.subject));
            INSERT INTO search_fts (rowid, tokens) VALUES (new.id << 20, support_fold(new.subject));
        END""",
    "INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)",
    # one row per inquiry, its distinct pieces of text; search_pending: the inquiries
    # whose row is behind their text (see migrations.m010)
    """CREATE VIRTUAL TABLE search_inquiry USING fts5 (
            terms, detail = none, tokenize = 'unicode61 remove_diacritics 2')""",
    "CREATE TABLE search_pending (inquiry_id INTEGER PRIMARY KEY)",
    """CREATE TRIGGER search_inquiry_insert AFTER INSERT ON inquiry BEGIN
            INSERT INTO search_inquiry (rowid, terms) VALUES (new.id, support_terms(new.subject));
        END""",
    """CREATE TRIGGER search_inquiry_delete AFTER DELETE ON inquiry BEGIN
            DELETE FROM search_inquiry WHERE rowid = old.id;
            DELETE FROM search_pending WHERE inquiry_id = old.id;
        END""",
    """CREATE TRIGGER search_inquiry_subject AFTER UPDATE OF subject ON inquiry BEGIN
            INSERT OR IGNORE INTO search_pending (inquiry_id) VALUES (new.id);
        END""",
    """CREATE TRIGGER search_inquiry_message_insert AFTER INSERT ON message BEGIN
            INSERT OR IGNORE INTO search_pending (inquiry_id) VALUES (new.inquiry_id);
        END""",
    """CREATE TRIGGER search_inquiry_message_update AFTER UPDATE OF body ON message BEGIN
            INSERT OR IGNORE INTO search_pending (inquiry_id) VALUES (new.inquiry_id);
        END""",
    """CREATE TRIGGER search_inquiry_message_delete AFTER DELETE ON message BEGIN
            INSERT OR IGNORE INTO search_pending (inquiry_id)
                SELECT old.inquiry_id
                WHERE EXISTS (SELECT 1 FROM inquiry WHERE id = old.inquiry_id);
        END""",
    "INSERT INTO search_inquiry (search_inquiry, rank) VALUES ('automerge', 0)",
)


def create_schema(connection: Any) -> None:
    """Build the whole schema as declared here, on an SQLAlchemy connection to an empty
    SQLite database or to a PostgreSQL database whose search_path is the empty schema."""
    tables = [model.__table__ for model in TABLES]  # type: ignore[union-attr]
    SQLModel.metadata.create_all(connection, tables=tables)
    if connection.dialect.name == "postgresql":
        POSTGRES_ONLY.create_all(connection)
        return
    for statement in SQLITE_SEARCH:
        connection.exec_driver_sql(statement)
