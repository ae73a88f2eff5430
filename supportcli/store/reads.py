"""Every query of the history, returning the typed records of `supportcli.records`
(whose `as_json` is CONTRACT.md's JSON record). `show`, `list` and `export` all use these;
the columns selected are the records' own fields."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TypeVar

from supportcli.errors import BadInput, NotFound
from supportcli.records import (
    ALL_STATUSES,
    INQUIRY_COLUMNS,
    Attachment,
    Channel,
    Envelope,
    Inquiry,
    Message,
)
from supportcli.store.dialect import Database, is_postgres
from supportcli.store.migrations import SEQ_BITS
from supportcli.store.search import fts5, query_words
from supportcli.topics import check_topic

T = TypeVar("T")
CHANNELS = tuple(Channel)
_COLUMNS = ", ".join(INQUIRY_COLUMNS)
_AT, _ID = INQUIRY_COLUMNS.index("created_at"), INQUIRY_COLUMNS.index("id")


# The largest id either engine can hold (a signed 64-bit integer); a larger one is a typo.
MAX_ID = 2**63 - 1


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
        if self.limit is not None and not 0 <= self.limit <= MAX_ID:
            raise BadInput(f"--limit: must be a whole number from 0 (no limit) to {MAX_ID}")
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
    try:
        if end:
            moment += timedelta(days=1) if date_only else timedelta(microseconds=1)
        if moment.tzinfo is None:
            moment = moment.astimezone()
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    except (OverflowError, OSError):  # a moment at the calendar's very edge: 0001 or 9999
        raise BadInput(f"{flag}: {text!r} is out of range: give a date from 0002 to 9998") from None


def list_rows(db: Database, filters: Filters) -> list[Inquiry]:
    """Inquiries matching `filters`, newest first, with their envelopes and attachments
    but without their messages."""
    rows = list(_select(db, filters.check()))
    ids = [int(row[_ID]) for row in rows]  # type: ignore[call-overload]
    envelopes = _envelopes(db, ids)
    attachments = _attachments(db, ids)
    return [
        _inquiry(row, email=envelopes.get(i), attachments=attachments.get(i, ()))
        for row, i in zip(rows, ids, strict=True)
    ]


def _select(db: Database, filters: Filters) -> Iterator[tuple[object, ...]]:
    """The inquiry rows, newest first, `filters.limit` of them (0 or None: all)."""
    if filters.search is not None and is_postgres(db):
        yield from _pg_search(db, filters)
        return
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
    yield from _newest_first(db, [where] if where else [], params, filters.limit)


PAGE = 1000


def _newest_first(
    db: Database, clauses: list[str], params: dict[str, object], limit: int | None
) -> Iterator[tuple[object, ...]]:
    """Inquiry rows meeting every clause, newest first. sqlite3 streams a result row by
    row; psycopg hands over the whole result at once, so without a limit PostgreSQL's rows
    come a page at a time, each page after the last row of the one before."""
    order = " ORDER BY created_at DESC, id DESC"
    if limit or not is_postgres(db):
        sql = f"SELECT {_COLUMNS} FROM inquiry{_where(clauses)}{order}"
        yield from db.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), params)
        return
    after: dict[str, object] = {}
    while True:
        paged = clauses + ["(created_at, id) < (:after_at, :after_id)"] if after else clauses
        sql = f"SELECT {_COLUMNS} FROM inquiry{_where(paged)}{order} LIMIT {PAGE}"
        rows = db.execute(sql, {**params, **after}).fetchall()
        yield from rows
        if len(rows) < PAGE:
            return
        after = {"after_at": rows[-1][_AT], "after_id": rows[-1][_ID]}


def _where(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


def _matching_ids(db: Database, filters: Filters) -> Iterator[int]:
    """Inquiries whose subject or messages hold every search word, newest first.

    The index's rowids are `inquiry id << 20 | position`, so walking it backwards yields
    inquiries newest first with each inquiry's rows together: a common word stops after
    the first few inquiries instead of visiting all of its matches. Other words are
    checked within the inquiry's rowid range; other filters on the inquiry's row."""
    first, *others = [fts5(tokens, prefix) for tokens, prefix in filters.words()]
    where, params = filters.where()
    keep = f"SELECT 1 FROM inquiry WHERE id = :inquiry_id AND {where}" if where else None
    last = None
    for (rowid,) in db.execute(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC", (first,)
    ):
        inquiry_id = rowid >> SEQ_BITS
        if inquiry_id == last:
            continue
        last = inquiry_id
        low, high = inquiry_id << SEQ_BITS, ((inquiry_id + 1) << SEQ_BITS) - 1
        if any(
            db.execute(
                "SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND rowid "
                "BETWEEN ? AND ? LIMIT 1",
                (term, low, high),
            ).fetchone()
            is None
            for term in others
        ):
            continue
        if keep and db.execute(keep, {**params, "inquiry_id": inquiry_id}).fetchone() is None:
            continue
        yield inquiry_id


RARE = 1000  # PostgreSQL: a search word with fewer index rows than this drives the query


def _pg_search(db: Database, filters: Filters) -> Iterator[tuple[object, ...]]:
    """PostgreSQL: let the server walk (the loop above would be a round trip per candidate).
    Which walk is cheap depends on the words, and the planner cannot know how many rows an
    uncommon or absent word has, so we ask first (a count that stops at RARE):
    - a rare word: its few index rows name the candidate inquiries, and the other words are
      checked among those only;
    - all words common: inquiries are walked newest first, each checked through
      `search_fts.inquiry_id`, and the first `limit` matches come after a few dozen."""
    # Imported here: psycopg only for a shared history.
    from supportcli.store.postgres import tsquery

    words = [tsquery(tokens, prefix) for tokens, prefix in filters.words()]
    counts = [
        db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE tokens @@ CAST(? AS tsquery) "
            "LIMIT ?) AS probe",
            (word, RARE),
        ).fetchone()[0]
        for word in words
    ]
    where, params = filters.where()
    clauses = [where] if where else []
    if min(counts) < RARE:
        rarest = counts.index(min(counts))
        candidates = "SELECT DISTINCT inquiry_id FROM search_fts WHERE tokens @@ CAST(? AS tsquery)"
        ids = [row[0] for row in db.execute(candidates, (words[rarest],))]
        for word in words[:rarest] + words[rarest + 1 :]:
            if ids:
                ids = [
                    row[0]
                    for row in db.execute(candidates + " AND inquiry_id = ANY(?)", (word, ids))
                ]
        clauses.append("id = ANY(:ids)")
        params["ids"] = ids
    else:
        for n, word in enumerate(words):
            params[f"word{n}"] = word
            clauses.append(
                "id IN (SELECT inquiry_id FROM search_fts "
                f"WHERE tokens @@ CAST(:word{n} AS tsquery))"
            )
    yield from _newest_first(db, clauses, params, filters.limit)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def status_of(db: Database, inquiry_id: int) -> str:
    row = db.execute("SELECT status FROM inquiry WHERE id = ?", (inquiry_id,)).fetchone()
    if row is None:
        raise NotFound(f"no inquiry {inquiry_id}; see `support list`")
    return str(row[0])


def get_record(db: Database, inquiry_id: int) -> Inquiry:
    row = db.execute(f"SELECT {_COLUMNS} FROM inquiry WHERE id = ?", (inquiry_id,)).fetchone()
    if row is None:
        raise NotFound(f"no inquiry {inquiry_id}; see `support list`")
    return next(_complete(db, [row]))


def iter_records(db: Database, filters: Filters) -> Iterator[Inquiry]:
    """Whole records one at a time, so an export of any size runs in flat memory. On
    PostgreSQL they are completed 200 at a time (three queries per batch instead of per
    record: each is a round trip to the server); SQLite's queries cost microseconds, and
    batching them only held more in memory (27 -> 33 MiB peak, and no faster)."""
    batch = 200 if is_postgres(db) else 1
    for chunk in _chunks(_select(db, filters.check()), batch):
        yield from _complete(db, chunk)


def _complete(db: Database, rows: list[tuple[object, ...]]) -> Iterator[Inquiry]:
    """Each inquiry row with its messages, envelope and attachments."""
    ids = [int(row[_ID]) for row in rows]  # type: ignore[call-overload]
    marks = ",".join("?" * len(ids))
    messages: dict[int, list[Message]] = {}
    for inquiry_id, *row in db.execute(
        "SELECT inquiry_id, id, role, body, created_at, meta, rfc_message_id, delivery "
        f"FROM message WHERE inquiry_id IN ({marks}) ORDER BY inquiry_id, id",
        ids,
    ):
        messages.setdefault(inquiry_id, []).append(_message(*row))
    envelopes = _envelopes(db, ids)
    attachments = _attachments(db, ids)
    for row, inquiry_id in zip(rows, ids, strict=True):
        yield _inquiry(
            row,
            messages=messages.get(inquiry_id, ()),
            email=envelopes.get(inquiry_id),
            attachments=attachments.get(inquiry_id, ()),
        )


def _message(
    mid: int,
    role: str,
    body: str,
    created: str,
    meta: str | None,
    rfc_id: str | None,
    delivery: str | None,
) -> Message:
    return Message(mid, role, body, created, json.loads(meta) if meta else None, rfc_id, delivery)


def _inquiry(
    row: tuple[object, ...],
    *,
    messages: Iterable[Message] = (),
    email: Envelope | None = None,
    attachments: Iterable[Attachment] = (),
) -> Inquiry:
    return Inquiry(  # type: ignore[misc]  # row holds exactly INQUIRY_COLUMNS, in order
        *row,  # type: ignore[arg-type]
        messages=tuple(messages),
        email=email,
        attachments=tuple(attachments),
    )


def _envelopes(db: Database, ids: list[int]) -> dict[int, Envelope]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found = {}
    for inquiry_id, sender, to, cc, message_id, attempts, error, sent_at in db.execute(
        "SELECT inquiry_id, from_addr, to_addrs, cc_addrs, message_id, attempts, last_error, "
        f"sent_at FROM email WHERE inquiry_id IN ({marks})",
        ids,
    ):
        found[inquiry_id] = Envelope(
            sender, json.loads(to), json.loads(cc), message_id, sent_at, attempts, error
        )
    return found


def _attachments(db: Database, ids: list[int]) -> dict[int, list[Attachment]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found: dict[int, list[Attachment]] = {}
    for inquiry_id, message_id, name, size, sha, ctype in db.execute(
        "SELECT inquiry_id, message_id, filename, size, sha256, content_type FROM attachment "
        f"WHERE inquiry_id IN ({marks}) ORDER BY id",
        ids,
    ):
        found.setdefault(inquiry_id, []).append(Attachment(name, size, sha, ctype, message_id))
    return found
