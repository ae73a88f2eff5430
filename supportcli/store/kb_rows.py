"""An imported article as the store writes it, and the version a sync compares with the
source's: used by imports and syncs only (`store.kb` names them when asked)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stored:
    """What a sync compares with the source's own version of an article."""

    id: int
    updated_at: str | None
    etag: str | None
    last_modified: str | None
    content_hash: str


@dataclass(frozen=True)
class ArticleRow:
    source_id: int
    key: str
    slug: str
    link: str
    title: str
    topic: str
    category: str
    language: str
    keywords: str
    body: str
    content_hash: str
    updated_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None
