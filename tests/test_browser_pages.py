"""The browser's keyset pages (store.reads.page_rows), on SQLite and PostgreSQL: read
page after page, they are exactly `list`'s rows, with and without a search and filters."""

from __future__ import annotations

import pytest
import seed

from supportcli import history
from supportcli.store.db import connect
from supportcli.store.reads import Filters


@pytest.fixture
def many(engine):
    db = connect()
    for n in range(23):
        if n % 3:
            seed.email(db, "payment", f"환불 문의 {n}", "환불해 주세요", status="draft")
        else:
            seed.chat(db, "account", [("customer", f"로그인 {n}")], subject=f"로그인 {n}")
    return db


def paged(filters: Filters, size: int) -> list[int]:
    shown, after = [], None
    while True:
        page = history.page(filters, after, size)
        shown += [row.id for row in page.rows]
        assert len(page.rows) <= size
        if page.after is None:
            return shown
        after = page.after


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(search="환불"),
        Filters(search="로그인", channel="chat"),
        Filters(status="draft"),
        Filters(search="qxzjvw"),
    ],
    ids=["all", "search", "search+channel", "status", "nothing"],
)
@pytest.mark.parametrize("size", [1, 5, 23, 50])
def test_pages_are_lists_rows(many, filters, size):
    listed = [row.id for row in history.list_inquiries(Filters(**{**vars(filters), "limit": 0}))]
    assert paged(Filters(**{**vars(filters), "limit": None}), size) == listed
