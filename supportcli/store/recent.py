"""The newest inquiries a command can take, for shell completion (`support show <TAB>`).

A completion runs while someone waits at TAB, in a process of its own: this module
imports sqlite3 alone, opens an SQLite history read-only (it never creates, migrates or
writes one) and reads only what it shows, newest first. The same SQL runs on PostgreSQL
through the store's connection (`db.connect`)."""

from __future__ import annotations

import os
import sqlite3

Row = tuple[int, str, str, str]  # id, channel, topic, subject

LIMIT = 30  # a shell shows about a screen of them; older ones are typed by id

# Newest first. Where most inquiries qualify, through the primary key (id order is
# creation order); where one status is asked for (perhaps a few hundred of 100,000),
# through the index on (status, created_at): `list`'s order, with no sort of them all.
_BY_ID = " ORDER BY id DESC LIMIT ?"
_BY_STATUS = " ORDER BY created_at DESC, id DESC LIMIT ?"

# Which inquiries each kind of id names, as the commands check them (history.close,
# history.reopen, outbox._follow_up, chat.service.open_chat, mail.outbox for drafts).
WHICH = {
    "any": ("", _BY_ID),
    "open-email": (" AND channel = 'email' AND status <> 'closed'", _BY_ID),  # close
    "closed": (" AND status = 'closed'", _BY_STATUS),  # reopen
    "sent-email": (" AND channel = 'email' AND status <> 'draft'", _BY_ID),  # reply
    "chat": (" AND channel = 'chat'", _BY_ID),  # chat --resume, email --from-chat
    "draft": (" AND status = 'draft'", _BY_STATUS),  # email --edit (drafts are emails)
}

_SELECT = "SELECT id, channel, topic, subject FROM inquiry WHERE id BETWEEN ? AND ?"


def open_readonly(path: str) -> sqlite3.Connection:
    """The SQLite history at `path`, read-only; sqlite3.Error when it is missing or is no
    history. A writer holding the file is waited on briefly: a completion does not hang."""
    # A URI, so that mode=ro keeps a missing file missing; these three would end the path.
    uri = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return sqlite3.connect(f"file:{uri}?mode=ro", uri=True, timeout=0.2)


def newest_in(target: str, which: str, prefix: str = "", limit: int = LIMIT) -> list[Row]:
    """`newest` in the history `target` names (SUPPORT_DB's value, or the default file).
    An SQLite file is opened read-only, and only if it exists and is the user's (another
    user's is refused by every command: paths.check_private); none, or another kind of
    URL, has nothing to offer. A PostgreSQL history goes through the store's connection
    (the keyring's password; it is migrated first if it must be, as by any command)."""
    if "://" in target:
        scheme, _, rest = target.partition("://")
        if scheme != "sqlite":
            return _newest_shared(target, which, prefix, limit)
        target = rest[1:] if rest.startswith("/") else rest
    path = os.path.abspath(os.path.expanduser(target))
    try:
        info = os.stat(path)
    except OSError:
        return []  # no history yet: never create one for a completion
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return []
    db = open_readonly(path)
    try:
        return newest(db, which, prefix, limit)
    finally:
        db.close()


def _newest_shared(url: str, which: str, prefix: str, limit: int) -> list[Row]:
    # Imported here: the dialect (typing) and the connection machinery only for a URL.
    from supportcli.store import db
    from supportcli.store.dialect import is_postgres_url

    if not is_postgres_url(url):
        return []
    try:
        return newest(db.connect(url), which, prefix, limit)
    finally:
        db.close_all()


def newest(db: object, which: str, prefix: str = "", limit: int = LIMIT) -> list[Row]:
    """(id, channel, topic, subject) of the newest `limit` inquiries of kind `which` whose
    id starts with the digits `prefix`, newest first.

    Ids with a prefix are a few ranges (4: 4, 40-49, 400-499, ...), each read newest first
    through the primary key, the widest (newest) range first, until `limit` are found:
    never a scan of the whole history for a rare prefix."""
    if prefix and (not prefix.isdigit() or prefix.startswith("0") or not prefix.isascii()):
        return []
    top = db.execute("SELECT max(id) FROM inquiry").fetchone()[0]  # type: ignore[attr-defined]
    if not top:
        return []
    condition, order = WHICH[which]
    sql = _SELECT + condition + order
    found: list[Row] = []
    for low, high in reversed(_ranges(prefix, top)):
        rows = db.execute(sql, (low, high, limit - len(found)))  # type: ignore[attr-defined]
        found += [(int(i), str(c), str(t), str(s or "")) for i, c, t, s in rows.fetchall()]
        if len(found) >= limit:
            break
    return sorted(found, reverse=True)


def _ranges(prefix: str, top: int) -> list[tuple[int, int]]:
    """The id ranges (low, high) whose ids start with `prefix`, up to `top`, oldest first."""
    if not prefix:
        return [(1, top)]
    start = int(prefix)
    ranges, scale = [], 1
    while start * scale <= top:
        ranges.append((start * scale, min((start + 1) * scale - 1, top)))
        scale *= 10
    return ranges
