"""What `support kb search` and `kb show` call: the kb agent over the history's index,
without the chat session's machinery (session, identity, the history's writers), which a
lookup never needs and which cost more to import than the lookup itself."""

from __future__ import annotations

from supportcli.chat.articles import Article
from supportcli.chat.kb import KbAgent
from supportcli.chat.retrieval import Hit, language_of
from supportcli.config import Settings
from supportcli.errors import NotFound
from supportcli.i18n import _


def kb_agent() -> KbAgent:
    return KbAgent(Settings.load())


def kb_search(agent: KbAgent, text: str) -> list[Hit]:
    return agent.search(text, language=language_of(text))


def kb_article(agent: KbAgent, slug: str) -> Article:
    found = agent.index.article(slug)
    if found is None:
        raise NotFound(_("no help article {slug}; see `support kb search`").format(slug=repr(slug)))
    return found
