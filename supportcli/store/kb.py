"""The help center in the history: sources, articles, the BM25 term index (m012).

An article's terms are written with it, in the same transaction, together with the
totals BM25 needs (`kb_state`: how many articles, how many terms in all), so a query
reads one consistent index: `postings` is the one indexed query ranking costs. Terms
arrive as a Counter from the caller (`chat.helpcenter.index`); nothing here tokenizes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from supportcli.store.db import now, transaction
from supportcli.store.dialect import Database, is_postgres

if TYPE_CHECKING:
    from supportcli.store.kb_rows import ArticleRow, Stored

SOURCE_COLUMNS = (
    "id, kind, origin, location, name, locales, enabled, added_at, synced_at, fingerprint, problems"
)


@dataclass(frozen=True)
class Source:
    id: int
    kind: str
    origin: str
    location: str
    name: str
    locales: str
    enabled: int
    added_at: str
    synced_at: str | None
    fingerprint: str | None
    problems: str


# --- sources -----------------------------------------------------------------------------


def sources(db: Database) -> list[Source]:
    rows = db.execute(f"SELECT {SOURCE_COLUMNS} FROM kb_source ORDER BY id").fetchall()
    return [Source(*row) for row in rows]


def source(db: Database, location: str) -> Source | None:
    row = db.execute(
        f"SELECT {SOURCE_COLUMNS} FROM kb_source WHERE location = ?", (location,)
    ).fetchone()
    return Source(*row) if row else None


# One PostgreSQL advisory lock ("kb") for every change to the help-center tables: several
# machines opening a fresh shared history import the bundled articles at once, and without
# it each one's check-then-insert raced the others' to kb_article's unique key.
_KB_LOCK = 0x6B62


def lock(db: Database) -> None:
    """Inside a transaction: wait until no other process is changing the help-center
    index, until this transaction ends. SQLite's write transactions are serial already."""
    if is_postgres(db):
        db.execute("SELECT pg_advisory_xact_lock(?)", (_KB_LOCK,))


def add_source(
    db: Database, *, kind: str, origin: str, location: str, name: str = "", locales: str = ""
) -> Source:
    db.execute(
        "INSERT INTO kb_source (kind, origin, location, name, locales, added_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (kind, origin, location, name, locales, now()),
    )
    found = source(db, location)
    assert found is not None
    return found


def update_source(db: Database, source_id: int, **fields: Any) -> None:
    allowed = {"name", "locales", "enabled", "synced_at", "fingerprint", "problems"}
    if not fields or set(fields) - allowed:
        raise ValueError(f"kb_source: cannot update {sorted(set(fields) - allowed)}")
    assignments = ", ".join(f"{name} = :{name}" for name in fields)
    db.execute(f"UPDATE kb_source SET {assignments} WHERE id = :id", {**fields, "id": source_id})


def remove_source(db: Database, source_id: int) -> int:
    """Remove a source with its articles; returns how many articles went."""
    with transaction(db):
        removed = _forget(db, "source_id = ?", (source_id,))
        db.execute("DELETE FROM kb_source WHERE id = ?", (source_id,))
    return removed


def clear_source(db: Database, source_id: int) -> int:
    """Its articles gone, the source kept (the bundled articles, switched off)."""
    with transaction(db):
        return _forget(db, "source_id = ?", (source_id,))


def counts(db: Database) -> dict[int, int]:
    """Articles per source."""
    rows = db.execute("SELECT source_id, count(*) FROM kb_article GROUP BY source_id")
    return {row[0]: row[1] for row in rows}


# --- articles ----------------------------------------------------------------------------


def prepare_bulk(db: Database) -> None:
    """An import writes hundreds of terms per article into kb_term's b-tree: a larger page
    cache (64 MB, this connection only) keeps its inner pages in memory."""
    if not is_postgres(db):
        db.execute("PRAGMA cache_size = -65536")


def stored(db: Database, source_id: int) -> dict[str, Stored]:
    """The source's articles by their key, as a sync compares them."""
    rows = db.execute(
        "SELECT key, id, updated_at, etag, last_modified, content_hash FROM kb_article "
        "WHERE source_id = ?",
        (source_id,),
    )
    # Imported here: see __getattr__ at the end.
    from supportcli.store.kb_rows import Stored

    return {row[0]: Stored(*row[1:]) for row in rows}


def put_article(db: Database, article: ArticleRow, postings: Counter[str]) -> int:
    """Insert or replace an article (matched by source and key) with its terms, inside
    the caller's transaction. An article keeps its id when it changes."""
    lock(db)  # another importer's row becomes visible to the SELECT below, or none exists
    length = sum(postings.values())
    row = db.execute(
        "SELECT id, length FROM kb_article WHERE source_id = ? AND key = ?",
        (article.source_id, article.key),
    ).fetchone()
    values = {
        **article.__dict__,
        "length": length,
        "imported_at": now(),
    }
    if row is None:
        article_id = db.execute(
            "INSERT INTO kb_article (source_id, key, slug, link, title, topic, category, "
            "language, length, keywords, body, updated_at, etag, last_modified, content_hash, "
            "imported_at) VALUES (:source_id, :key, :slug, :link, :title, :topic, :category, "
            ":language, :length, :keywords, :body, :updated_at, :etag, :last_modified, "
            ":content_hash, :imported_at) RETURNING id",
            values,
        ).fetchone()[0]
        _add_totals(db, 1, length)
    else:
        article_id, old_length = row
        db.execute(
            "UPDATE kb_article SET slug = :slug, link = :link, title = :title, topic = :topic, "
            "category = :category, language = :language, length = :length, "
            "keywords = :keywords, body = :body, updated_at = :updated_at, etag = :etag, "
            "last_modified = :last_modified, content_hash = :content_hash, "
            "imported_at = :imported_at WHERE id = :id",
            {**values, "id": article_id},
        )
        db.execute("DELETE FROM kb_term WHERE article_id = ?", (article_id,))
        _add_totals(db, 0, length - old_length)
    _insert_terms(db, article_id, postings)
    return int(article_id)


def touch_article(db: Database, article_id: int, **fields: str | None) -> None:
    """A source's version moved on and the content did not (a 304, the same hash)."""
    allowed = {"updated_at", "etag", "last_modified"}
    if set(fields) - allowed:
        raise ValueError(f"kb_article: cannot touch {sorted(set(fields) - allowed)}")
    if fields:
        assignments = ", ".join(f"{name} = :{name}" for name in fields)
        db.execute(
            f"UPDATE kb_article SET {assignments} WHERE id = :id", {**fields, "id": article_id}
        )


def delete_articles(db: Database, ids: Iterable[int]) -> int:
    ids = list(ids)
    if not ids:
        return 0
    with transaction(db):
        return sum(_forget(db, "id = ?", (article_id,)) for article_id in ids)


def retopic(db: Database, source_id: int, category: str, topic: str) -> int:
    """Articles of a source's category take a new topic; returns how many."""
    cursor = db.execute(
        "UPDATE kb_article SET topic = ? WHERE source_id = ? AND category = ?",
        (topic, source_id, category),
    )
    return int(cursor.rowcount)


def _forget(db: Database, where: str, params: tuple[Any, ...]) -> int:
    found = db.execute(
        f"SELECT count(*), coalesce(sum(length), 0) FROM kb_article WHERE {where}", params
    ).fetchone()
    # kb_term rows go by cascade (foreign keys are on in every connection of ours)
    db.execute(f"DELETE FROM kb_article WHERE {where}", params)
    _add_totals(db, -found[0], -found[1])
    return int(found[0])


def _insert_terms(db: Database, article_id: int, postings: Counter[str]) -> None:
    # One statement per article, the terms as JSON: row-by-row inserts cost 20x more.
    if is_postgres(db):
        sql = (
            "INSERT INTO kb_term (term, article_id, freq) "
            "SELECT key, ?, CAST(value AS BIGINT) FROM json_each_text(CAST(? AS json))"
        )
    else:
        sql = "INSERT INTO kb_term (term, article_id, freq) SELECT key, ?, value FROM json_each(?)"
    db.execute(sql, (article_id, json.dumps(postings, ensure_ascii=False)))


# --- the index's totals and version ------------------------------------------------------


def state(db: Database) -> dict[str, str]:
    return {row[0]: row[1] for row in db.execute("SELECT name, value FROM kb_state")}


def set_state(db: Database, name: str, value: str) -> None:
    if db.execute("UPDATE kb_state SET value = ? WHERE name = ?", (value, name)).rowcount == 0:
        db.execute("INSERT INTO kb_state (name, value) VALUES (?, ?)", (name, value))


def _add_totals(db: Database, articles: int, length: int) -> None:
    totals = state(db)
    set_state(db, "articles", str(int(totals.get("articles", "0")) + articles))
    set_state(db, "length", str(int(totals.get("length", "0")) + length))


def totals(db: Database) -> tuple[int, int]:
    """How many articles the index holds, and their lengths' sum."""
    found = state(db)
    return int(found.get("articles", "0")), int(found.get("length", "0"))


def all_articles(db: Database) -> Iterator[tuple[Any, ...]]:
    """(id, slug, topic, language, title, link, keywords, body) of every article, for
    re-indexing."""
    yield from db.execute(
        "SELECT id, slug, topic, language, title, link, keywords, body FROM kb_article ORDER BY id"
    )


def reindex(db: Database, article_id: int, postings: Counter[str]) -> None:
    """New terms for an unchanged article (the analyzer changed), in the caller's
    transaction."""
    length = sum(postings.values())
    old = db.execute("SELECT length FROM kb_article WHERE id = ?", (article_id,)).fetchone()[0]
    db.execute("UPDATE kb_article SET length = ? WHERE id = ?", (length, article_id))
    db.execute("DELETE FROM kb_term WHERE article_id = ?", (article_id,))
    _insert_terms(db, article_id, postings)
    _add_totals(db, 0, length - old)


# --- reading for ranking and showing -----------------------------------------------------


def document_frequencies(db: Database, terms: list[str]) -> dict[str, int]:
    """How many articles hold each term (absent terms are left out): a count over a range
    of kb_term's primary key per term."""
    if not terms:
        return {}
    where, param = _terms_filter(db, terms)
    rows = db.execute(
        f"SELECT t.term, count(*) FROM kb_term AS t WHERE {where} GROUP BY t.term", (param,)
    )
    return {row[0]: row[1] for row in rows}


def scores(
    db: Database,
    weights: list[tuple[str, float, float]],
    *,
    k1: float,
    b: float,
    average_length: float,
    language: str | None,
    topic: str | None,
    topic_boost: float,
    limit: int | None = None,
) -> list[tuple[int, str, str, str, float, float]]:
    """BM25 of every article holding any of the terms, best first: (id, slug, topic,
    language, score, matched weight), the first `limit` of them when given. `weights` is
    (term, query weight, idf) for the terms the index holds. Computed by the engine over
    kb_term's primary key, so ranking costs this one query whatever the number of
    articles."""
    if not weights or limit == 0:
        return []
    values = ", ".join("(?, ?, ?)" for _ in weights)
    params: list[Any] = [value for triple in weights for value in triple]
    language_filter = "WHERE a.language = ?" if language else ""
    # SQLite would read each article's row by its rowid; its covering index is 20x smaller.
    narrow = "" if is_postgres(db) else "INDEXED BY kb_article_rank"
    sql = f"""
        WITH q (term, weight, idf) AS (VALUES {values}),
        s AS (
            SELECT t.article_id AS id,
                   sum(q.weight * q.idf * t.freq * ({k1!r} + 1)
                       / (t.freq + {k1!r} * (1 - {b!r} + {b!r} * a.length / ?))) AS score,
                   sum(q.weight * q.idf) AS matched
            FROM q JOIN kb_term AS t ON t.term = q.term
                   JOIN kb_article AS a {narrow} ON a.id = t.article_id
            {language_filter}
            GROUP BY t.article_id
        )
        SELECT a.id, a.slug, a.topic, a.language,
               CASE WHEN a.topic = ? THEN s.score * ? ELSE s.score END AS ranked, s.matched
        FROM s JOIN kb_article AS a {narrow} ON a.id = s.id
        WHERE s.score > 0
        ORDER BY ranked DESC, a.slug, a.id
        {"LIMIT ?" if limit is not None else ""}
    """
    params.append(average_length)
    if language:
        params.append(language)
    params += [topic or "", topic_boost]
    if limit is not None:
        params.append(limit)
    return db.execute(sql, params).fetchall()


def _terms_filter(db: Database, terms: list[str]) -> tuple[str, Any]:
    if is_postgres(db):
        return "t.term = ANY(?)", list(terms)
    return "t.term IN (SELECT value FROM json_each(?))", json.dumps(terms, ensure_ascii=False)


def article_text(db: Database, article_id: int) -> tuple[str, str, str, str] | None:
    """(title, link, keywords, body) of one article."""
    return db.execute(
        "SELECT title, link, keywords, body FROM kb_article WHERE id = ?", (article_id,)
    ).fetchone()


def article_keys(db: Database) -> list[tuple[int, str, str, str]]:
    """(id, slug, topic, language) of every article, in the index's order."""
    return db.execute("SELECT id, slug, topic, language FROM kb_article ORDER BY id").fetchall()


def source_articles(db: Database, source_id: int) -> list[tuple[str, str, str, str, str]]:
    """(slug, title, topic, language, link) of a source's articles."""
    return db.execute(
        "SELECT slug, title, topic, language, link FROM kb_article WHERE source_id = ? "
        "ORDER BY language, topic, title",
        (source_id,),
    ).fetchall()


def find_slug(db: Database, slug: str) -> tuple[int, str, str, str] | None:
    """(id, slug, topic, language) of the first article with this slug."""
    return db.execute(
        "SELECT id, slug, topic, language FROM kb_article WHERE slug = ? ORDER BY id LIMIT 1",
        (slug,),
    ).fetchone()


# --- topics ------------------------------------------------------------------------------


def topics(db: Database) -> list[tuple[int, str, str, str, int]]:
    """(source id, category, topic, chosen, articles) for every mapped category."""
    return db.execute(
        "SELECT m.source_id, m.category, m.topic, m.chosen, "
        "(SELECT count(*) FROM kb_article AS a "
        " WHERE a.source_id = m.source_id AND a.category = m.category) "
        "FROM kb_topic AS m ORDER BY m.source_id, m.category"
    ).fetchall()


def topic_of(db: Database, source_id: int, category: str) -> tuple[str, str] | None:
    """(topic, chosen) of a source's category, if mapped."""
    return db.execute(
        "SELECT topic, chosen FROM kb_topic WHERE source_id = ? AND category = ?",
        (source_id, category),
    ).fetchone()


def set_topic(db: Database, source_id: int, category: str, topic: str, chosen: str) -> None:
    updated = db.execute(
        "UPDATE kb_topic SET topic = ?, chosen = ? WHERE source_id = ? AND category = ?",
        (topic, chosen, source_id, category),
    )
    if updated.rowcount == 0:
        db.execute(
            "INSERT INTO kb_topic (source_id, category, topic, chosen) VALUES (?, ?, ?, ?)",
            (source_id, category, topic, chosen),
        )


def __getattr__(name: str) -> Any:
    """`Stored` and `ArticleRow`, which only an import or a sync uses, live in kb_rows:
    a frozen dataclass costs ~1.5 ms to build when imported, and `kb search` and every
    chat import this module."""
    if name in ("Stored", "ArticleRow"):
        # Imported here: only an import or a sync asks for them.
        from supportcli.store import kb_rows

        return getattr(kb_rows, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
