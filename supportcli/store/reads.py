"""Every query of the history, returning plain dicts in the shape of the JSON record
(CONTRACT.md, "The JSON record"). `show --json`, `list --json` and `export` all use these."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from supportcli.errors import BadInput, NotFound
from supportcli.store.search import match_terms
from supportcli.topics import check_topic

CHANNELS = ("chat", "email")
STATUSES = {
    "chat": ("open", "resolved", "unresolved", "escalated"),
    "email": ("draft", "queued", "sent", "failed", "answered", "closed"),
}
ALL_STATUSES = tuple(s for group in STATUSES.values() for s in group)

_COLUMNS = (
    "id, channel, topic, subject, status, created_at, updated_at, agent, rating, "
    "parent_id, previous_status, last_role, last_message_at"
)


@dataclass
class Filters:
    channel: str | None = None
    status: str | None = None
    topic: str | None = None
    since: str | None = None
    until: str | None = None
    search: str | None = None
    limit: int | None = 20

    def check(self) -> Filters:
        if self.channel and self.channel not in CHANNELS:
            raise BadInput(f"--channel: choose chat or email, not {self.channel!r}")
        if self.status and self.status not in ALL_STATUSES:
            raise BadInput(
                f"--status: unknown status {self.status!r}; choose one of {', '.join(ALL_STATUSES)}"
            )
        if self.topic:
            self.topic = check_topic(self.topic)
        if self.limit is not None and self.limit < 0:
            raise BadInput("--limit: must be 0 (no limit) or more")
        return self

    def where(self) -> tuple[str, dict[str, object]]:
        clauses: list[str] = []
        params: dict[str, object] = {}
        for name in ("channel", "status", "topic"):
            if getattr(self, name):
                clauses.append(f"{name} = :{name}")
                params[name] = getattr(self, name)
        if self.since:
            params["since"] = parse_when(self.since, flag="--since")
            clauses.append("created_at >= :since")
        if self.until:
            params["until"] = parse_when(self.until, flag="--until", end=True)
            clauses.append("created_at < :until")
        if self.search is not None:
            terms = match_terms(self.search)
            if not terms:
                raise BadInput("--search: give at least one letter or digit to look for")
            for n, term in enumerate(terms):
                params[f"match{n}"] = term
                clauses.append(
                    "id IN (SELECT inquiry_id FROM message WHERE id IN "
                    f"(SELECT rowid FROM message_fts WHERE message_fts MATCH :match{n}) "
                    f"UNION SELECT rowid FROM subject_fts WHERE subject_fts MATCH :match{n})"
                )
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def parse_when(text: str, *, flag: str, end: bool = False) -> str:
    """ISO 8601 date or timestamp -> stored UTC text. Dates and naive times are local;
    an end date covers the whole day (`--until 2026-11-26` includes the 26th)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"{flag}: {text!r} is not an ISO 8601 date or time "
            "(for example 2026-11-26 or 2026-11-26T09:30)"
        ) from None
    date_only = len(text.strip()) <= 10
    if end:
        moment += timedelta(days=1) if date_only else timedelta(microseconds=1)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def list_rows(db: sqlite3.Connection, filters: Filters) -> list[dict[str, object]]:
    """Inquiries matching `filters`, newest first, without their messages."""
    where, params = filters.check().where()
    sql = f"SELECT {_COLUMNS} FROM inquiry{where} ORDER BY created_at DESC, id DESC"
    if filters.limit:
        sql += f" LIMIT {int(filters.limit)}"
    rows = [_inquiry(row) for row in db.execute(sql, params)]
    ids = [int(row["id"]) for row in rows]  # type: ignore[call-overload]
    envelopes = _envelopes(db, ids)
    attachments = _attachments(db, ids)
    for row in rows:
        row["email"] = envelopes.get(row["id"])  # type: ignore[call-overload]
        row["attachments"] = attachments.get(row["id"], [])  # type: ignore[call-overload]
    return rows


def count(db: sqlite3.Connection, filters: Filters) -> int:
    where, params = filters.check().where()
    return int(db.execute(f"SELECT count(*) FROM inquiry{where}", params).fetchone()[0])


def get_record(db: sqlite3.Connection, inquiry_id: int) -> dict[str, object]:
    row = db.execute(f"SELECT {_COLUMNS} FROM inquiry WHERE id = ?", (inquiry_id,)).fetchone()
    if row is None:
        raise NotFound(f"no inquiry {inquiry_id}; see `support list`")
    return _full(db, _inquiry(row))


def iter_records(db: sqlite3.Connection, filters: Filters) -> Iterator[dict[str, object]]:
    """Whole records one at a time, so an export of any size runs in flat memory."""
    where, params = filters.check().where()
    sql = f"SELECT {_COLUMNS} FROM inquiry{where} ORDER BY created_at DESC, id DESC"
    if filters.limit:
        sql += f" LIMIT {int(filters.limit)}"
    for row in db.execute(sql, params):
        yield _full(db, _inquiry(row))


def _full(db: sqlite3.Connection, record: dict[str, object]) -> dict[str, object]:
    inquiry_id = int(record["id"])  # type: ignore[call-overload]
    record["messages"] = [
        _message(*row)
        for row in db.execute(
            "SELECT id, role, body, created_at, meta, rfc_message_id, delivery FROM message "
            "WHERE inquiry_id = ? ORDER BY id",
            (inquiry_id,),
        )
    ]
    record["email"] = _envelopes(db, [inquiry_id]).get(inquiry_id)
    record["attachments"] = _attachments(db, [inquiry_id]).get(inquiry_id, [])
    return record


def _message(
    mid: int,
    role: str,
    body: str,
    created: str,
    meta: str | None,
    rfc_id: str | None,
    delivery: str | None,
) -> dict[str, object]:
    message: dict[str, object] = {"id": mid, "role": role, "body": body, "created_at": created}
    if meta:
        message["meta"] = json.loads(meta)
    if rfc_id:
        message["message_id"] = rfc_id
    if delivery:
        message["delivery"] = delivery
    return message


def _inquiry(row: tuple[object, ...]) -> dict[str, object]:
    keys = [name.strip() for name in _COLUMNS.split(",")]
    return dict(zip(keys, row, strict=True))


def _envelopes(db: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, object]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found = {}
    for inquiry_id, sender, to, cc, message_id, attempts, error, sent_at in db.execute(
        "SELECT inquiry_id, from_addr, to_addrs, cc_addrs, message_id, attempts, last_error, "
        f"sent_at FROM email WHERE inquiry_id IN ({marks})",
        ids,
    ):
        found[inquiry_id] = {
            "from": sender,
            "to": json.loads(to),
            "cc": json.loads(cc),
            "message_id": message_id,
            "sent_at": sent_at,
            "attempts": attempts,
            "last_error": error,
        }
    return found


def _attachments(db: sqlite3.Connection, ids: list[int]) -> dict[int, list[dict[str, object]]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found: dict[int, list[dict[str, object]]] = {}
    for inquiry_id, message_id, name, size, sha, ctype in db.execute(
        "SELECT inquiry_id, message_id, filename, size, sha256, content_type FROM attachment "
        f"WHERE inquiry_id IN ({marks}) ORDER BY id",
        ids,
    ):
        found.setdefault(inquiry_id, []).append(
            {
                "filename": name,
                "size": size,
                "sha256": sha,
                "content_type": ctype,
                "message_id": message_id,
            }
        )
    return found
