"""What `support kb search` and `kb show` call: the help center's stored index, without
the chat agent (its small talk, Korean query reading and answer composing) or the chat
session's machinery, which a lookup never needs and which cost more to import than the
lookup itself (issue 18: `kb search` under 150 ms)."""

from __future__ import annotations

from supportcli.chat.articles import Article
from supportcli.chat.helpcenter.folders import open_index
from supportcli.chat.helpcenter.index import StoredIndex
from supportcli.chat.retrieval import Hit, language_of
from supportcli.errors import NotFound
from supportcli.i18n import _


def kb_index() -> tuple[StoredIndex, list[str]]:
    """The index with the bundled articles and chat.kb_dir brought up to date, as a chat
    opens it (`KbAgent`), and the article files that had to be skipped."""
    # Imported here: the settings (tomllib, the address checks) only once they are read.
    from supportcli.config import Settings

    return open_index(Settings.load())


def kb_search(index: StoredIndex, text: str, limit: int | None = None) -> list[Hit]:
    """The best `limit` articles for `text`, as `KbAgent.search` ranks them."""
    return index.search(text, language=language_of(text), limit=limit)


def kb_article(index: StoredIndex, slug: str) -> Article:
    found = index.article(slug)
    if found is None:
        raise NotFound(_("no help article {slug}; see `support kb search`").format(slug=repr(slug)))
    return found
