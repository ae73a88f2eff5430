"""Writing what a source yields into the index, incrementally: an article whose content
hash is unchanged keeps its row and terms (only its version marks move), a changed one is
rewritten with new terms, and after a complete listing the articles the source no longer
has are removed. Writes go in batches, one transaction each, so a 10,000-article import
commits a few dozen times, not 10,000."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from supportcli.chat.articles import Article
from supportcli.chat.helpcenter import topicmap
from supportcli.chat.helpcenter.index import doc_terms
from supportcli.store import kb as store
from supportcli.store.db import transaction
from supportcli.store.dialect import Database
from supportcli.topics import TOPICS

BATCH = 200


@dataclass
class Versions:
    """The source's own marks of an article's version, for the next sync."""

    updated_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "updated_at": self.updated_at,
            "etag": self.etag,
            "last_modified": self.last_modified,
        }


@dataclass
class Outcome:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)
    requests: int = 0  # HTTP requests the import made

    def as_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "requests": self.requests,
            "problems": self.problems,
        }


def slug_of(link: str, fallback: str) -> str:
    """A readable name for `kb show`: the link's last path segment, decoded."""
    segment = unquote(urlsplit(link).path.rstrip("/").rpartition("/")[2])
    segment = segment.removesuffix(".html").removesuffix(".htm").strip().lower()
    return segment or fallback


def content_hash(article: Article, category: str) -> str:
    data = [article.slug, article.title, article.topic, article.language, article.link,
            list(article.keywords), article.body, category]  # fmt: skip
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


class Writer:
    """One source's import: `put` what it has, `keep` what did not change, `finish`."""

    def __init__(self, db: Database, source: store.Source) -> None:
        self.db, self.source = db, source
        store.prepare_bulk(db)
        self.stored = store.stored(db, source.id)
        self.seen: set[str] = set()
        self.pending: list[tuple[str, Article, str, Versions, Counter[str] | None]] = []
        self.touched: list[tuple[int, Versions]] = []
        self.outcome = Outcome()

    def version(self, key: str) -> store.Stored | None:
        return self.stored.get(key)

    def keep(self, key: str, versions: Versions | None = None) -> None:
        """The source says this article has not changed (a 304, the same update time)."""
        self.seen.add(key)
        self.outcome.unchanged += 1
        old = self.stored.get(key)
        if old is not None and versions is not None and _moved(old, versions):
            self.touched.append((old.id, versions))

    def put(
        self,
        key: str,
        article: Article,
        *,
        category: str = "",
        versions: Versions,
        postings: Counter[str] | None = None,
    ) -> None:
        """`postings`: the article's terms when the caller has them already (counted in
        a fetching thread while this one writes)."""
        self.seen.add(key)
        self.pending.append((key, article, category, versions, postings))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending and not self.touched:
            return
        with transaction(self.db):
            for key, article, category, versions, postings in self.pending:
                self._write(key, article, category, versions, postings)
            for article_id, versions in self.touched:
                store.touch_article(self.db, article_id, **versions.as_dict())
        self.pending, self.touched = [], []

    def finish(self, *, complete: bool) -> Outcome:
        """Write what is left; when the listing was complete, remove what it lacked."""
        self.flush()
        if complete:
            gone = [old.id for key, old in self.stored.items() if key not in self.seen]
            self.outcome.removed = store.delete_articles(self.db, gone)
        return self.outcome

    def _write(
        self,
        key: str,
        article: Article,
        category: str,
        versions: Versions,
        postings: Counter[str] | None,
    ) -> None:
        topic = article.topic
        if category or topic not in TOPICS:
            category = category or topic
            if category:
                topic = topicmap.topic_for(self.db, self.source.id, category)
            else:  # no category at all (a page without breadcrumbs): from its own words
                topic = topicmap.guess(f"{article.title} {' '.join(article.keywords)}")
            article = _with_topic(article, topic)
        digest = content_hash(article, category)
        old = self.stored.get(key)
        if old is not None and old.content_hash == digest:
            self.outcome.unchanged += 1
            if _moved(old, versions):
                store.touch_article(self.db, old.id, **versions.as_dict())
            return
        row = store.ArticleRow(
            source_id=self.source.id,
            key=key,
            slug=article.slug,
            link=article.link,
            title=article.title,
            topic=topic,
            category=category,
            language=article.language,
            keywords="\n".join(k.replace("\n", " ") for k in article.keywords),
            body=article.body,
            content_hash=digest,
            **versions.as_dict(),
        )
        store.put_article(self.db, row, postings if postings is not None else doc_terms(article))
        if old is None:
            self.outcome.added += 1
        else:
            self.outcome.updated += 1


def _moved(old: store.Stored, new: Versions) -> bool:
    return (old.updated_at, old.etag, old.last_modified) != (
        new.updated_at,
        new.etag,
        new.last_modified,
    )


def _with_topic(article: Article, topic: str) -> Article:
    return Article(
        slug=article.slug,
        title=article.title,
        topic=topic,
        language=article.language,
        link=article.link,
        keywords=article.keywords,
        summary=article.summary,
        sections=article.sections,
    )
