"""The help center's index in the history: `retrieval.Index`'s ranking over the stored
term index, so a chat's first answer costs one indexed query instead of reading and
indexing every article file.

`StoredIndex.rank` gives the same hits, in the same order and with the same scores, as
`retrieval.Index.rank` over the same articles (tests/test_kb_index.py compares them): the
documents' terms come from `Index._doc_terms` and the arithmetic is the same. An article
of a hit is a `StoredArticle`: its name, topic and language come with the query, its text
is read only when someone looks at it (a common word matches thousands of articles; an
answer quotes one)."""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from supportcli import paths
from supportcli.chat import retrieval
from supportcli.chat.articles import Article, Section, _split
from supportcli.chat.retrieval import K1, B, Hit, Index
from supportcli.store import kb as store
from supportcli.store.db import connect

TOPIC_BOOST = 1.15  # retrieval.Index.rank's lift for an article of the chat's topic


# The modules whose code turns text into index terms: retrieval and the modules of ours it
# takes names from (fold, stop words...). Named here, so that every chat's start reads three
# files instead of parsing retrieval's source (3 ms); tests/test_kb_index.py checks the list
# against retrieval's imports (`retrieval_imports`).
ANALYZER_MODULES = (
    "supportcli.chat.articles",
    "supportcli.chat.retrieval",
    "supportcli.store.search",
)


def sha256(data: bytes = b"") -> Any:
    """hashlib's sha256, without importing hashlib where CPython has its own: hashlib
    loads OpenSSL (~3 ms here), more than a `kb search` spends on its query. The digests
    are the same (hashlib falls back to this very module when OpenSSL lacks one)."""
    # Imported here: one of the three is there, and which depends on the Python.
    try:
        from _sha256 import sha256 as own  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256 as own  # type: ignore[no-redef]  # CPython 3.12+
        except ImportError:
            from hashlib import sha256 as own  # type: ignore[assignment]
    return own(data)


def analyzer_version() -> str:
    """A fingerprint of the code that turns text into index terms. When it changes, stored
    terms are rebuilt (minutes for 10,000 articles, so this module, which only stores them,
    is left out)."""
    digest = sha256()
    for name in ANALYZER_MODULES:
        path = Path(str(sys.modules[name].__file__))
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def retrieval_imports() -> set[str]:
    """retrieval and the modules of ours it imports from, read from its source (a constant
    such as a compiled pattern does not say which module it came from)."""
    # Imported here: only the test that keeps ANALYZER_MODULES honest parses the source.
    import ast

    found = {retrieval.__name__}
    source = Path(str(retrieval.__file__)).read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        found.update(name for name in names if name.startswith("supportcli."))
    return found


def doc_terms(article: Article) -> Counter[str]:
    """An article's terms with their frequencies, exactly as `retrieval.Index` counts them."""
    return Counter(Index._doc_terms(article))


def as_article(slug: str, topic: str, language: str, text: Sequence[str]) -> Article:
    """An article from its stored row: (title, link, keywords one a line, Markdown body)."""
    title, link, keywords, body = text
    summary, sections = _split(body.strip())
    return Article(
        slug=slug,
        title=title,
        topic=topic,
        language=language,
        link=link,
        keywords=tuple(k for k in keywords.split("\n") if k),
        summary=summary,
        sections=sections,
    )


class StoredArticle(Article):
    """An article of the index whose text is read from the history on first use."""

    _index: StoredIndex
    _id: int

    def __init__(self, index: StoredIndex, article_id: int, slug: str, topic: str, lang: str):
        for name, value in (("slug", slug), ("topic", topic), ("language", lang)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_id", article_id)
        object.__setattr__(self, "_full", None)

    def _text(self) -> Article:
        full = self.__dict__["_full"]
        if full is None:
            full = self._index.load(self._id, self.slug, self.topic, self.language)
            object.__setattr__(self, "_full", full)
        return full

    title = property(lambda self: self._text().title)  # type: ignore[assignment]
    link = property(lambda self: self._text().link)  # type: ignore[assignment]
    keywords = property(lambda self: self._text().keywords)  # type: ignore[assignment]
    summary = property(lambda self: self._text().summary)  # type: ignore[assignment]
    sections = property(lambda self: self._text().sections)  # type: ignore[assignment]

    def _fields(self) -> tuple[Any, ...]:
        full = self._text()
        return (self.slug, full.title, self.topic, self.language, full.link, full.keywords,
                full.summary, full.sections)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Article):
            return NotImplemented
        theirs = other._fields() if isinstance(other, StoredArticle) else _fields(other)
        return self._fields() == theirs

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"StoredArticle(slug={self.slug!r}, id={self._id})"


def _fields(a: Article) -> tuple[Any, ...]:
    return (a.slug, a.title, a.topic, a.language, a.link, a.keywords, a.summary, a.sections)


class StoredIndex(Index):
    """`retrieval.Index` over the history's term index (search() is inherited)."""

    def __init__(self, target: str | None = None) -> None:  # no super(): nothing in memory
        # The history is named, not held: a connection is per command (db.connect).
        self.target = target or paths.db_target()
        db = connect(target)
        self.n, total = store.totals(db)
        self.avg = total / max(self.n, 1)
        self.unknown_idf = math.log(1 + (self.n + 0.5) / 0.5)
        self._ranked: dict[tuple[Any, ...], list[Hit]] = {}  # a chat asks the same twice
        self._weights: dict[str, float] = {}

    def weight(self, term: str) -> float:
        """How telling a term is: its idf (a term no article holds, the highest), as
        `retrieval.Index.weight`."""
        if term not in self._weights:
            found = store.document_frequencies(connect(self.target), [term]).get(term)
            self._weights[term] = (
                self.unknown_idf
                if not found
                else math.log(1 + (self.n - found + 0.5) / (found + 0.5))
            )
        return self._weights[term]

    def search(
        self, text: str, *, language: str | None = None, limit: int | None = None
    ) -> list[Hit]:
        """`retrieval.Index.search`; with `limit`, only the best `limit` hits (the same
        first ones): the engine keeps them while it ranks (`kb search` of a common word
        matches thousands of articles and shows five)."""
        if limit is None:
            return super().search(text, language=language)
        return self._rank(Counter(retrieval.terms(text)), language, None, limit)

    def rank(
        self,
        query: Counter[str] | dict[str, float],
        *,
        language: str | None = None,
        topic: str | None = None,
    ) -> list[Hit]:
        key = (tuple(query.items()), language, topic)
        if key not in self._ranked:
            if len(self._ranked) >= 16:
                self._ranked.pop(next(iter(self._ranked)))
            self._ranked[key] = self._rank(query, language, topic)
        return list(self._ranked[key])

    def _rank(
        self,
        query: Counter[str] | dict[str, float],
        language: str | None,
        topic: str | None,
        limit: int | None = None,
    ) -> list[Hit]:
        """The same figures as retrieval.Index.rank: idf from the document frequencies
        (over every language, as there), BM25 summed by the engine."""
        db = connect(self.target)
        df = store.document_frequencies(db, list(query))
        n = self.n
        idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        total = sum(idf.get(t, self.unknown_idf) * w for t, w in query.items()) or 1.0
        weights = [(t, float(w), idf[t]) for t, w in query.items() if t in idf]
        rows = store.scores(
            db, weights, k1=K1, b=B, average_length=self.avg, language=language,
            topic=topic, topic_boost=TOPIC_BOOST, limit=limit,
        )  # fmt: skip
        return [self._hit(row, total) for row in rows]

    def _hit(self, row: tuple[Any, ...], total: float) -> Hit:
        # Built without __init__ (a frozen dataclass's setattr per field): a common word
        # can match every article, and each one is a Hit.
        article_id, slug, topic, language, score, matched = row
        article = StoredArticle.__new__(StoredArticle)
        article.__dict__.update(
            slug=slug, topic=topic, language=language, _index=self, _id=article_id, _full=None
        )
        hit = Hit.__new__(Hit)
        hit.__dict__.update(article=article, score=score, coverage=matched / total)
        return hit

    def load(self, article_id: int, slug: str, topic: str, language: str) -> Article:
        text = store.article_text(connect(self.target), article_id)
        if text is None:  # removed by a sync since the question was asked
            return Article(slug, slug, topic, language, "", (), "", ())
        return as_article(slug, topic, language, text)

    def article(self, slug: str) -> Article | None:
        """The article `kb show` names, or None."""
        found = store.find_slug(connect(self.target), slug)
        if found is None:
            return None
        article_id, slug, topic, language = found
        return self.load(article_id, slug, topic, language)

    @property
    def articles(self) -> list[Article]:  # type: ignore[override]
        """Every article (slow on a large help center; ranking never needs it)."""
        rows = store.article_keys(connect(self.target))
        return [StoredArticle(self, *row) for row in rows]


__all__ = ["StoredArticle", "StoredIndex", "Section", "analyzer_version", "doc_terms"]
