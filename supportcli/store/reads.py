"""Every query of the history, returning the typed records of `supportcli.records`
(whose `as_json` is CONTRACT.md's JSON record). `show`, `list` and `export` all use these;
the columns selected are the records' own fields."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TypeVar

from supportcli.errors import BadInput, NotFound
from supportcli.i18n import _
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
from supportcli.store.search import Term, fts5_any, fts5_word, query_words
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
            raise BadInput(
                _("--channel: choose chat or email, not {value!r}").format(value=self.channel)
            )
        if self.status and self.status not in ALL_STATUSES:
            raise BadInput(
                _("--status: unknown status {value!r}; choose one of {choices}").format(
                    value=self.status, choices=", ".join(ALL_STATUSES)
                )
            )
        if self.topic:
            self.topic = check_topic(self.topic)
        if self.limit is not None and not 0 <= self.limit <= MAX_ID:
            raise BadInput(
                _("--limit: must be a whole number from 0 (no limit) to {max}").format(max=MAX_ID)
            )
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

    def words(self) -> list[list[Term]]:
        words = query_words(self.search or "")
        if not words:
            raise BadInput(_("--search: give at least one letter or digit to look for"))
        return words


def parse_when(text: str, *, flag: str, end: bool = False) -> str:
    """ISO 8601 date or timestamp -> stored UTC text. Dates and naive times are local;
    an end date covers the whole day (`--until 2026-11-26` includes the 26th)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            _(
                "{flag}: {text!r} is not an ISO 8601 date or time "
                "(for example 2026-11-26 or 2026-11-26T09:30)"
            ).format(flag=flag, text=text)
        ) from None
    date_only = len(text.strip()) <= 10
    try:
        if end:
            moment += timedelta(days=1) if date_only else timedelta(microseconds=1)
        if moment.tzinfo is None:
            moment = moment.astimezone()
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    except (OverflowError, OSError):  # a moment at the calendar's very edge: 0001 or 9999
        raise BadInput(
            _("{flag}: {text!r} is out of range: give a date from 0002 to 9998").format(
                flag=flag, text=text
            )
        ) from None


def list_rows(db: Database, filters: Filters) -> list[Inquiry]:
    """Inquiries matching `filters`, newest first, with their envelopes and attachments
    but without their messages."""
    return _listed(db, list(_select(db, filters.check())))


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


@dataclass(frozen=True)
class Page:
    """A page of `list_rows`'s inquiries and where the next one starts (None: the last)."""

    rows: list[Inquiry]
    after: tuple[str, int] | None


def page_rows(db: Database, filters: Filters, after: tuple[str, int] | None, size: int) -> Page:
    """The `size` inquiries `list_rows` would show after `after` (keyset: each page is a
    bounded query however deep, never an OFFSET counted from the top). `after` is the last
    page's (created_at, id); a search walks its index by id, so there it is ("", id)."""
    filters = filters.check()
    if filters.search is not None and not is_postgres(db):
        ids = list(islice(_matching_ids(db, filters, before=after[1] if after else None), size))
        rows = _by_ids(db, ids)
        cursor = ("", min(ids)) if len(ids) == size else None
    else:
        clauses, params = _search_clauses(db, filters) if filters.search else _plain(filters)
        if after:
            clauses.append(
                "(created_at < :after_at OR (created_at = :after_at AND id < :after_id))"
            )
            params.update(after_at=after[0], after_id=after[1])
        rows = list(_newest_first(db, clauses, params, size))
        last = rows[-1] if len(rows) == size else None
        cursor = (str(last[_AT]), int(last[_ID])) if last else None  # type: ignore[call-overload]
    return Page(_listed(db, rows), cursor)


def _plain(filters: Filters) -> tuple[list[str], dict[str, object]]:
    where, params = filters.where()
    return ([where] if where else []), params


def _by_ids(db: Database, ids: list[int]) -> list[tuple[object, ...]]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return db.execute(
        f"SELECT {_COLUMNS} FROM inquiry WHERE id IN ({marks}) ORDER BY created_at DESC, id DESC",
        ids,
    ).fetchall()


def _listed(db: Database, rows: list[tuple[object, ...]]) -> list[Inquiry]:
    ids = [int(row[_ID]) for row in rows]  # type: ignore[call-overload]
    envelopes = _envelopes(db, ids)
    attachments = _attachments(db, ids)
    return [
        _inquiry(row, email=envelopes.get(i), attachments=attachments.get(i, ()))
        for row, i in zip(rows, ids, strict=True)
    ]


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


def _matching_ids(db: Database, filters: Filters, *, before: int | None = None) -> Iterator[int]:
    """Inquiries whose subject or messages hold every search word, newest first.

    FTS5 intersects the words in `search_inquiry` (one row per inquiry, rowid = its id),
    walking their lists of inquiries newest first and skipping ahead in each to the next
    inquiry the others hold, so the work is bounded by the rarest word's list whatever
    the order of the words, and stops when the page is full. A word of several tokens is
    then confirmed as a phrase within one subject or message (`search_fts`), once per
    inquiry that holds all its tokens. The few inquiries whose row waits to be rewritten
    (`search_pending`) are checked through `search_fts` alone, and merged in by id.
    `before`: only inquiries with a smaller id (the browser's next page)."""
    words = filters.words()
    where, params = filters.where()
    pending = [row[0] for row in db.execute(_PENDING) if before is None or row[0] < before]
    behind = set(pending)
    indexed = (i for i in _intersected(db, words, where, params, before) if i not in behind)
    checked = (i for i in pending if _in_messages(db, i, words, where, params))
    yield from heapq.merge(indexed, checked, reverse=True)


_PENDING = "SELECT inquiry_id FROM search_pending ORDER BY inquiry_id DESC"


def _intersected(
    db: Database,
    words: list[list[Term]],
    where: str,
    params: dict[str, object],
    before: int | None = None,
) -> Iterator[int]:
    match = " AND ".join(f"({fts5_word(word)})" for word in words)
    phrases = [fts5_any(word) for word in words if _has_long(word)]
    join = " JOIN inquiry ON inquiry.id = search_inquiry.rowid" if where else ""
    if before is not None:  # FTS5 starts its walk at the bound: a deep page costs no more
        where = " AND ".join(filter(None, [where, "search_inquiry.rowid < :before"]))
        params = {**params, "before": before}
    sql = (
        f"SELECT search_inquiry.rowid FROM search_inquiry{join} WHERE search_inquiry MATCH "
        f":match{' AND ' + where if where else ''} ORDER BY search_inquiry.rowid DESC"
    )
    for (inquiry_id,) in db.execute(sql, {**params, "match": match}):
        if all(_has_phrase(db, inquiry_id, phrase) for phrase in phrases):
            yield inquiry_id


def _in_messages(
    db: Database,
    inquiry_id: int,
    words: list[list[Term]],
    where: str,
    params: dict[str, object],
) -> bool:
    """Whether one inquiry meets the filters and holds every word, read from `search_fts`."""
    if where:
        keep = f"SELECT 1 FROM inquiry WHERE id = :inquiry_id AND {where}"
        if db.execute(keep, {**params, "inquiry_id": inquiry_id}).fetchone() is None:
            return False
    return all(_has_phrase(db, inquiry_id, fts5_any(word)) for word in words)


def _has_long(word: list[Term]) -> bool:
    """Whether a spelling of the word has several tokens, to be confirmed as a phrase (a
    word whose spellings are all one token was matched whole by the inquiry index)."""
    return any(len(tokens) > 1 for tokens, _ in word)


def _has_phrase(db: Database, inquiry_id: int, phrase: str) -> bool:
    low, high = inquiry_id << SEQ_BITS, ((inquiry_id + 1) << SEQ_BITS) - 1
    return (
        db.execute(
            "SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ? LIMIT 1",
            (phrase, low, high),
        ).fetchone()
        is not None
    )


RARE = 1000  # PostgreSQL: fewer matching inquiries than this are fetched by id


def _pg_search(db: Database, filters: Filters) -> Iterator[tuple[object, ...]]:
    clauses, params = _search_clauses(db, filters)
    yield from _newest_first(db, clauses, params, filters.limit)


def _search_clauses(db: Database, filters: Filters) -> tuple[list[str], dict[str, object]]:
    """PostgreSQL: the GIN index of `search_inquiry` intersects the words (`a & b`,
    skipping through the longer lists), bounded by the rarest word. How the inquiries are
    then read depends on how many matched, which the planner cannot know for a rare or
    absent word, so we count first (a count that stops at RARE): a few are read by id;
    many are walked newest first, the first `limit` matches coming early. A word of several
    tokens is confirmed as a phrase in one of the inquiry's rows of `search_fts`."""
    # Imported here: psycopg only for a shared history.
    from supportcli.store.postgres import tsquery, tsquery_all

    words = filters.words()
    terms = " & ".join(
        "(" + " | ".join(f"({tsquery_all(t, p)})" for t, p in word) + ")" for word in words
    )
    where, params = filters.where()
    clauses = [where] if where else []
    for n, word in enumerate(words):
        if _has_long(word):
            params[f"phrase{n}"] = " | ".join(f"({tsquery(t, p)})" for t, p in word)
            clauses.append(
                "EXISTS (SELECT 1 FROM search_fts WHERE search_fts.inquiry_id = inquiry.id "
                f"AND tokens @@ CAST(:phrase{n} AS tsquery))"
            )
    found = "SELECT inquiry_id FROM search_inquiry WHERE terms @@ CAST(? AS tsquery)"
    ids = [row[0] for row in db.execute(f"{found} LIMIT {RARE}", (terms,))]
    if len(ids) < RARE:
        clauses.append("id = ANY(:ids)")
        params["ids"] = ids
    else:
        params["terms"] = terms
        clauses.append(f"id IN ({found.replace('?', ':terms')})")
    return clauses, params


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
        raise NotFound(_("no inquiry {id}; see `support list`").format(id=inquiry_id))
    return str(row[0])


def get_record(db: Database, inquiry_id: int) -> Inquiry:
    row = db.execute(f"SELECT {_COLUMNS} FROM inquiry WHERE id = ?", (inquiry_id,)).fetchone()
    if row is None:
        raise NotFound(_("no inquiry {id}; see `support list`").format(id=inquiry_id))
    return next(_complete(db, [row]))


def iter_records(db: Database, filters: Filters) -> Iterator[Inquiry]:
    """Whole records one at a time, so an export of any size runs in flat memory. On
    PostgreSQL they are completed 200 at a time (three queries per batch instead of per
    record: each is a round trip to the server); SQLite's queries cost microseconds, and
    batching them only held more in memory (27 -> 33 MiB peak, and no faster)."""
    batch = 200 if is_postgres(db) else 8
    for chunk in _chunks(_select(db, filters.check()), batch):
        yield from _complete(db, chunk)


def _complete(db: Database, rows: list[tuple[object, ...]]) -> Iterator[Inquiry]:
    """Each inquiry row with its messages, envelope and attachments."""
    ids = [int(row[_ID]) for row in rows]  # type: ignore[call-overload]
    marks = ",".join("?" * len(ids))
    messages: dict[int, list[Message]] = {}
    for inquiry_id, *row in db.execute(
        "SELECT inquiry_id, id, role, body, created_at, meta, rfc_message_id, delivery, "
        "sender, verified, raw_sha256, raw_size "
        f"FROM message WHERE inquiry_id IN ({marks}) ORDER BY inquiry_id, id",
        ids,
    ).fetchall():  # one call: stepping the cursor row by row costs a Python call a row
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
    sender: str | None,
    verified: int | None,
    raw_sha256: str | None,
    raw_size: int | None,
) -> Message:
    return Message(
        mid,
        role,
        body,
        created,
        json.loads(meta) if meta else None,
        rfc_id,
        delivery,
        sender,
        None if verified is None else bool(verified),
        raw_sha256,
        raw_size,
    )


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
    ).fetchall():
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
    ).fetchall():
        found.setdefault(inquiry_id, []).append(Attachment(name, size, sha, ctype, message_id))
    return found
