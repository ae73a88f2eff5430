"""Every query of the history, returning plain dicts in the shape of the JSON record
(CONTRACT.md, "The JSON record"). `show --json`, `list --json` and `export` all use these."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from supportcli.errors import BadInput, NotFound
from supportcli.store.dialect import Database, is_postgres
from supportcli.store.migrations import SEQ_BITS
from supportcli.store.search import fts5, query_words
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
        """SQL for every filter but the search, which `_matching_ids` walks instead."""
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
        return " AND ".join(clauses), params

    def words(self) -> list[tuple[list[str], bool]]:
        words = query_words(self.search or "")
        if not words:
            raise BadInput("--search: give at least one letter or digit to look for")
        return words


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


def list_rows(db: Database, filters: Filters) -> list[dict[str, object]]:
    """Inquiries matching `filters`, newest first, without their messages."""
    rows = [_inquiry(row) for row in _select(db, filters.check())]
    ids = [int(row["id"]) for row in rows]  # type: ignore[call-overload]
    envelopes = _envelopes(db, ids)
    attachments = _attachments(db, ids)
    for row in rows:
        row["email"] = envelopes.get(row["id"])  # type: ignore[call-overload]
        row["attachments"] = attachments.get(row["id"], [])  # type: ignore[call-overload]
    return rows


def _select(db: Database, filters: Filters) -> Iterator[tuple[object, ...]]:
    """The inquiry rows, newest first, `filters.limit` of them (0 or None: all)."""
    if filters.search is not None:
        found = _matching_ids(db, filters)
        for chunk in _chunks(islice(found, filters.limit or None), 500):
            marks = ",".join("?" * len(chunk))
            yield from db.execute(
                f"SELECT {_COLUMNS} FROM inquiry WHERE id IN ({marks}) "
                "ORDER BY created_at DESC, id DESC",
                chunk,
            )
        return
    where, params = filters.where()
    sql = f"SELECT {_COLUMNS} FROM inquiry{' WHERE ' + where if where else ''} "
    sql += "ORDER BY created_at DESC, id DESC"
    if filters.limit:
        sql += f" LIMIT {int(filters.limit)}"
    yield from db.execute(sql, params)


def _matching_ids(db: Database, filters: Filters) -> Iterator[int]:
    """Inquiries whose subject or messages hold every search word, newest first.

    The index's rowids are `inquiry id << 20 | position`, so walking it backwards yields
    inquiries newest first with each inquiry's rows together: a common word stops after
    the first few inquiries instead of visiting all of its matches. Other words are
    checked within the inquiry's rowid range; other filters on the inquiry's row.
    (PostgreSQL keeps the same rowids in a table of tsvectors.)"""
    if is_postgres(db):
        from supportcli.store.postgres import tsquery

        match = "tokens @@ CAST(? AS tsquery)"
        terms = [tsquery(tokens, prefix) for tokens, prefix in filters.words()]
    else:
        match = "search_fts MATCH ?"
        terms = [fts5(tokens, prefix) for tokens, prefix in filters.words()]
    first, *others = terms
    where, params = filters.where()
    keep = f"SELECT 1 FROM inquiry WHERE id = :inquiry_id AND {where}" if where else None
    last = None
    for (rowid,) in db.execute(
        f"SELECT rowid FROM search_fts WHERE {match} ORDER BY rowid DESC", (first,)
    ):
        inquiry_id = rowid >> SEQ_BITS
        if inquiry_id == last:
            continue
        last = inquiry_id
        low, high = inquiry_id << SEQ_BITS, ((inquiry_id + 1) << SEQ_BITS) - 1
        if any(
            db.execute(
                f"SELECT 1 FROM search_fts WHERE {match} AND rowid BETWEEN ? AND ? LIMIT 1",
                (term, low, high),
            ).fetchone()
            is None
            for term in others
        ):
            continue
        if keep and db.execute(keep, {**params, "inquiry_id": inquiry_id}).fetchone() is None:
            continue
        yield inquiry_id


def _chunks(items: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def get_record(db: Database, inquiry_id: int) -> dict[str, object]:
    row = db.execute(f"SELECT {_COLUMNS} FROM inquiry WHERE id = ?", (inquiry_id,)).fetchone()
    if row is None:
        raise NotFound(f"no inquiry {inquiry_id}; see `support list`")
    return _full(db, _inquiry(row))


def iter_records(db: Database, filters: Filters) -> Iterator[dict[str, object]]:
    """Whole records one at a time, so an export of any size runs in flat memory."""
    for row in _select(db, filters.check()):
        yield _full(db, _inquiry(row))


def _full(db: Database, record: dict[str, object]) -> dict[str, object]:
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


def _envelopes(db: Database, ids: list[int]) -> dict[int, dict[str, object]]:
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


def _attachments(db: Database, ids: list[int]) -> dict[int, list[dict[str, object]]]:
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
