"""The history's schema, declared with SQLModel.

This is the schema's single declaration: `migrations.py` builds it step by step, and
`tests/test_migrations.py` checks that the migrated database has exactly these tables and
columns. The command-line read and write paths use the standard library's sqlite3 for
speed (importing SQLModel costs a third of a second), so import this module only where the
ORM is really needed: the schema tests and other database engines.

Times are stored as ISO 8601 text in UTC (`2026-11-26T12:00:00.000000+00:00`): fixed width,
so text order is time order in every engine.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class InquiryBase(SQLModel):
    channel: str = Field(description="chat or email")
    topic: str
    subject: str = ""
    status: str
    agent: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    parent_id: int | None = Field(default=None, foreign_key="inquiry.id", ondelete="SET NULL")


class Inquiry(InquiryBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: str
    updated_at: str
    previous_status: str | None = None
    last_role: str | None = None
    last_message_at: str | None = None


class MessageBase(SQLModel):
    role: str = Field(description="customer, agent or system")
    body: str


class Message(MessageBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(foreign_key="inquiry.id", ondelete="CASCADE")
    created_at: str
    rfc_message_id: str | None = None
    meta: str | None = None
    delivery: str | None = Field(default=None, description="pending or sent, for follow-ups")
    seq: int | None = Field(default=None, description="position in its inquiry, from 1")
    sent_at: str | None = None


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(foreign_key="inquiry.id", ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="CASCADE")
    filename: str
    size: int
    sha256: str
    content_type: str
    created_at: str


class Email(SQLModel, table=True):
    inquiry_id: int = Field(primary_key=True, foreign_key="inquiry.id", ondelete="CASCADE")
    from_addr: str
    to_addrs: str = Field(description="JSON list of addresses")
    cc_addrs: str = "[]"
    message_id: str = Field(unique=True)
    attempts: int = 0
    last_error: str | None = None
    sent_at: str | None = None
    claimed_by: str | None = Field(default=None, description="the outbox run sending it")
    claimed_at: str | None = None


class MailboxState(SQLModel, table=True):
    __tablename__ = "mailbox_state"

    mailbox: str = Field(primary_key=True, description="user@host:port/folder")
    uidvalidity: int
    last_uid: int
    synced_at: str


TABLES = (Inquiry, Message, Attachment, Email, MailboxState)  # every table declared here
