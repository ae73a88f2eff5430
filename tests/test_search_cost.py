"""A search's cost is bounded by its rarest word, whatever the words' order (issue 21).

Counted as pages read, never as time: on SQLite, the bytes a fresh connection with a
ten-page cache reads from the history file (/proc/self/io `rchar`: every page visited
that is not among the last few is read again); on PostgreSQL, the shared buffers each
query touched, from EXPLAIN (ANALYZE, BUFFERS) of the very statements the search runs.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from supportcli.store import writes
from supportcli.store.db import index_pending, transaction
from supportcli.store.reads import Filters, list_rows

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/io")

INQUIRIES = 3000
RARE_EVERY = 100  # the rare word: 30 inquiries, spread over the whole history


@pytest.fixture
def history(engine: str, db: Any) -> Any:
    """A common word (환불) in every inquiry but the few that hold a rare one (qxrare,
    and the three-syllable 빨간색), so the two never meet: the worst case for a search
    that checks one word's inquiries for the other."""
    with transaction(db):
        for n in range(INQUIRIES):
            word = "qxrare 빨간색" if n % RARE_EVERY == 0 else "환불 요청"
            inquiry = writes.create_inquiry(
                db, channel="chat", topic="payment", status="open", subject=f"문의 {n}"
            )
            writes.add_message(db, inquiry_id=inquiry, role="customer", body=f"{word} 입니다 {n}")
            writes.add_message(db, inquiry_id=inquiry, role="agent", body=f"안내 드립니다 {n}")
    index_pending(db)  # as when the command that wrote them ends
    return db


class _Explained:
    """A PostgreSQL connection that runs each SELECT under EXPLAIN (ANALYZE, BUFFERS)
    first and adds up the shared buffers it touched (hit or read)."""

    def __init__(self, db: Any) -> None:
        self._db, self.pages = db, 0

    def execute(self, sql: str, params: Any = ()) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            (plan,) = self._db.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
            top = plan[0][0]["Plan"]
            self.pages += top["Shared Hit Blocks"] + top["Shared Read Blocks"]
        return self._db.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def _read_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def pages(engine: str, db: Any, search: str, limit: int = 20) -> tuple[int, list[int]]:
    """Pages the search visits, and the ids it found."""
    if engine == "postgresql":
        explained = _Explained(db)
        found = [r.id for r in list_rows(explained, Filters(search=search, limit=limit))]  # type: ignore[arg-type]
        return explained.pages, found
    fresh = sqlite3.connect(db.where, isolation_level=None)
    try:
        fresh.execute("PRAGMA cache_size = 10")
        fresh.execute("SELECT 1 FROM inquiry LIMIT 1").fetchall()  # schema and header read
        before = _read_bytes()
        found = [r.id for r in list_rows(fresh, Filters(search=search, limit=limit))]
        size = fresh.execute("PRAGMA page_size").fetchone()[0]
        return (_read_bytes() - before) // size, found
    finally:
        fresh.close()


@pytest.mark.parametrize("rare", ["qxrare", "빨간색"])
def test_two_words_that_never_meet_cost_what_the_rarer_one_costs(engine, history, rare):
    alone, found = pages(engine, history, rare, limit=0)
    assert len(found) == INQUIRIES // RARE_EVERY
    common, found = pages(engine, history, "환불", limit=0)
    assert len(found) == INQUIRIES - INQUIRIES // RARE_EVERY
    for query in (f"환불 {rare}", f"{rare} 환불"):
        cost, found = pages(engine, history, query)
        assert found == []
        # Proportional to the rare word's 30 inquiries, in both orders: far below what
        # reading the common word's 2,970 costs (checking those one by one cost 100×).
        assert cost <= 3 * alone + 30, (query, cost, alone, common)


def test_text_written_since_the_last_rewrite_is_searched_exactly(engine, db):
    """SQLite rewrites an inquiry's row when the command ends; until then the inquiry is
    checked through the per-message index: new text is found, replaced text is not."""
    inquiry = writes.create_inquiry(db, channel="email", topic="payment", status="draft")
    message = writes.add_message(db, inquiry_id=inquiry, role="customer", body="oldword 결제했는데")
    index_pending(db)
    writes.set_body(db, message, "newword 환불했는데", None)
    writes.add_message(db, inquiry_id=inquiry, role="customer", body="둘째 메시지")
    for settled in (False, True):
        if settled:
            index_pending(db)
        for query, expected in [
            ("oldword", []),
            ("결제했", []),
            ("newword", [inquiry]),
            ("환불했는", [inquiry]),
            ("newword 메시지", [inquiry]),
            ("둘째 oldword", []),
        ]:
            found = [r.id for r in list_rows(db, Filters(search=query))]
            assert found == expected, (settled, query)
    if engine == "sqlite":
        assert db.execute("SELECT count(*) FROM search_pending").fetchone()[0] == 0
