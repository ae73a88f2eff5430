"""Inquiries written through the real store, for tests of the browsing commands."""

from __future__ import annotations

import sqlite3

from supportcli.store import writes


def chat(
    db: sqlite3.Connection,
    topic: str,
    messages: list[tuple[str, str]],
    *,
    subject: str = "",
    status: str = "open",
) -> int:
    inquiry = writes.create_inquiry(
        db, channel="chat", topic=topic, status=status, subject=subject, agent="kb"
    )
    for role, body in messages:
        writes.add_message(db, inquiry_id=inquiry, role=role, body=body)
    return inquiry


def email(
    db: sqlite3.Connection,
    topic: str,
    subject: str,
    body: str,
    *,
    status: str = "sent",
    to: str = "help@example.com",
) -> int:
    inquiry = writes.create_inquiry(
        db, channel="email", topic=topic, status=status, subject=subject
    )
    writes.add_message(db, inquiry_id=inquiry, role="customer", body=body)
    writes.add_envelope(
        db,
        inquiry_id=inquiry,
        sender="고객 <me@example.com>",
        to=[to],
        cc=[],
        message_id=f"<{inquiry}.test@example.com>",
    )
    return inquiry
