"""The `kb` agent: answers offline from the help-center articles.

It reads the customer's latest message (and, more lightly, what they said before), finds
the best article in their language, quotes the part that answers them, and cites every
article it used. When nothing fits well enough it says so and offers an email inquiry."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from supportcli.chat import smalltalk
from supportcli.chat.agent import Answer, Citation, Turn
from supportcli.chat.articles import Article
from supportcli.chat.helpcenter.folders import open_index
from supportcli.chat.retrieval import Hit, content_heads, language_of, terms
from supportcli.korean import understand

if TYPE_CHECKING:
    from supportcli.config import Settings

EARLIER_WEIGHT = 0.4  # what the customer said before still counts, less than their last words
MIN_COVERAGE = 0.1  # share of the question the best article matched (bigrams make it low)
MIN_SCORE = 5.0  # BM25; questions the help center answers score 7+, chit-chat under 4
MIN_ABOUT = 0.5  # share of what was asked that the article must be about
ON_TOPIC = 0.9  # an article about all the message names ...
MIN_SCORE_ON_TOPIC = 2.0  # ... needs only this BM25 score
RERANK = 5
ABOUT_FLOOR = 0.25  # reranking: score x (this + aboutness)
BODY_ONLY = 0.25  # what the article names only in its text counts for less
RELATED_RATIO = 0.6  # other articles cited when they score this close to the best
SECTION_CHARS = 900

TEXT = {
    "ko": {
        "more": "자세히 보기",
        "related": "함께 보면 좋은 도움말",
        "next": "이 안내로 해결되지 않으면 `/email` 을 입력해 주세요. 지금까지의 대화를 담아 "
        "이메일 문의로 이어 드릴게요.",
        "none": "죄송합니다. 말씀하신 내용에 딱 맞는 도움말을 찾지 못했어요. 상담원이 직접 "
        "확인할 수 있도록 `/email` 을 입력하시면 지금까지의 대화를 담아 이메일 문의로 "
        "넘겨 드릴게요. 다른 말로 다시 설명해 주셔도 좋아요.",
        "human": "상담원과 직접 이야기하고 싶으시군요. 이 채팅에서 전화를 연결해 드릴 수는 "
        "없지만, `/email` 을 입력하시면 지금까지의 대화를 담아 상담원에게 이메일 문의로 "
        "넘겨 드려요. 상담원이 확인한 뒤 이메일로 답변드릴게요.",
    },
    "en": {
        "more": "Read more",
        "related": "Related articles",
        "next": "If this doesn't solve it, type `/email` and I'll turn this chat into an email "
        "inquiry with the whole conversation attached.",
        "none": "Sorry, I couldn't find a help article that really answers this. Type `/email` "
        "and I'll pass this conversation to the support team as an email inquiry, or "
        "try describing the problem in other words.",
        "human": "You'd like to talk to a person. I can't put a call through from this "
        "chat, but type `/email` and I'll pass this conversation to the support team as an "
        "email inquiry; a person will read it and reply by email.",
    },
}


def asked(text: str) -> list[str]:
    """A customer's message as ranking terms, read the way they meant it (see korean.py)."""
    return terms(understand(text))


@lru_cache(maxsize=64)
def wanted(text: str) -> tuple[str, ...]:
    """What a customer's message asks about (retrieval.content_heads), in the help
    center's words; computed once per message, though each candidate article asks."""
    return tuple(content_heads(understand(text, keep_english=False)))


class KbAgent:
    name = "kb"

    def __init__(self, settings: Settings | None = None) -> None:
        # The articles live in the history's index (bundled, chat.kb_dir, `kb add`);
        # skipped files are for the caller to report: an agent never prints.
        self.index, self.skipped = open_index(settings)
        self._about: dict[str, tuple[set[str], set[str]]] = {}

    def answer(self, conversation: Sequence[Turn], *, topic: str) -> Answer:
        said = [turn.body for turn in conversation if turn.role == "customer"]
        if not said:
            return Answer(iter(()), helpful=False)
        language = language_of(said[-1])
        small_talk = smalltalk.reply(said[-1], language)
        if small_talk is not None:
            return Answer(iter([small_talk]))
        if smalltalk.asks_for_person(said[-1]):
            return Answer(iter([TEXT[language]["human"]]), helpful=False)
        best = self._best(said, language, topic)
        if best is None or not self._answers(said[-1], best):
            return Answer(iter([TEXT[language]["none"]]), helpful=False)
        used = [best, *self._related(said[-1], best)]
        text = compose(best.article, said[-1], [h.article for h in used[1:]], language)
        return Answer(
            iter([text]), citations=[Citation(h.article.title, h.article.link) for h in used]
        )

    def _answers(self, latest: str, best: Hit) -> bool:
        """Whether the article answers the latest message: it matched enough of it, and it
        is about what was asked. An article about exactly that may match few words
        ("로그인이 안 돼요" matches many articles a little)."""
        about = self._aboutness(latest, best)
        named = bool(wanted(latest))  # "내일 비와요?" names nothing the floor could trust
        floor = MIN_SCORE_ON_TOPIC if named and about >= ON_TOPIC else MIN_SCORE
        return (
            best.coverage >= MIN_COVERAGE
            and best.score >= floor
            and about >= MIN_ABOUT
            and self._on_point(latest, best)
        )

    def _rerank(self, latest: str, hits: list[Hit]) -> list[Hit]:
        """The best few hits again, each score weighed by how much the article is about
        what the latest message asks ("이메일 주소를 바꾸고 싶어요" mentions email, which
        the password article is full of, but it is about changing account details)."""
        few = hits[:RERANK]
        weighed = sorted(
            few,
            key=lambda h: (-h.score * (ABOUT_FLOOR + self._aboutness(latest, h)), h.article.slug),
        )
        return weighed + hits[RERANK:]

    def _best(self, said: list[str], language: str, topic: str) -> Hit | None:
        """The article for the latest message. When it is a question on its own, its own
        best match ("결제가 두 번 됐어요" after a password question is about payment); only
        a message too short to decide ("그건 어디서 해요?") leans on what came before."""
        alone = self.index.rank(Counter(asked(said[-1])), language=language, topic=topic)
        alone = self._rerank(said[-1], alone)
        if alone and self._answers(said[-1], alone[0]):
            return alone[0]
        hits = self.index.rank(self._query(said), language=language, topic=topic)
        if not hits:
            hits = self.index.rank(self._query(said), topic=topic)  # any language
        return hits[0] if hits else None

    def _related(self, latest: str, best: Hit) -> list[Hit]:
        """Other articles about the latest question alone: earlier questions chose the
        articles already shown, and listing them again under each answer was noise."""
        alone = self.index.rank(Counter(asked(latest)), language=best.article.language)
        others = [h for h in alone if h.article.slug != best.article.slug][:2]
        top = alone[0].score if alone else 0.0
        return [h for h in others if h.score >= top * RELATED_RATIO]

    def _on_point(self, latest: str, best: Hit) -> bool:
        """Earlier messages help choose between articles, but the latest message must
        itself be about the chosen one: "오늘 날씨 어때요" after a password question is not
        a password question."""
        alone = self.index.rank(Counter(asked(latest)), language=best.article.language)
        return any(hit.article.slug == best.article.slug for hit in alone[:3]) or (
            bool(alone) and alone[0].score >= MIN_SCORE
        )

    def _aboutness(self, latest: str, best: Hit) -> float:
        """The share of what the latest message asks about (its nouns, weighted by how rare
        they are) that the article is about: named in its title, keywords or headings, or
        (counting less) in its text. "포인트가 사라졌어요" matches the account-deletion
        article's "잔여 포인트는 소멸", but that article is not about points."""
        heads = wanted(latest)
        if not heads:
            return 1.0  # nothing named ("안 돼요"): the score alone decides
        about, text = self._fields(best.article)
        weight = {h: self.index.weight(h) for h in heads}
        found = sum(w * (1.0 if h in about else BODY_ONLY if h in text else 0.0)
                    for h, w in weight.items())  # fmt: skip
        return found / sum(weight.values())

    def _fields(self, article: Article) -> tuple[set[str], set[str]]:
        """An article's terms naming what it is about (title, keywords, headings) and all
        of its terms, computed once per article."""
        key = article.link  # unique across sources, unlike a file name
        if key not in self._about:
            named = [article.title, *article.keywords, *(s.heading for s in article.sections)]
            about = set(terms(", ".join(named), joins=True))
            self._about[key] = (about, about | set(terms(article.body, joins=True)))
        return self._about[key]

    @staticmethod
    def _query(said: list[str]) -> Counter[str]:
        query: Counter[str] = Counter()
        for body in said[:-1]:
            for term in asked(body):
                query[term] += EARLIER_WEIGHT  # type: ignore[assignment]
        query.update(asked(said[-1]))
        return query

    def search(self, text: str, *, language: str | None = None) -> list[Hit]:
        return self.index.search(text, language=language)


def compose(article: Article, question: str, related: list[Article], language: str) -> str:
    """The answer: the article's summary, the section closest to the question, the links."""
    words = TEXT[language]
    parts = [f"**{article.title}**", article.summary]
    section = best_section(article, question)
    if section is not None:
        text = section.text
        if len(text) > SECTION_CHARS:
            text = text[:SECTION_CHARS].rsplit("\n", 1)[0] + "\n…"
        parts.append(f"**{section.heading}**\n\n{text}")
    parts.append(f"{words['more']}: [{article.title}]({article.link})")
    if related:
        parts.append(
            f"{words['related']}:\n"
            + "\n".join(f"- [{other.title}]({other.link})" for other in related)
        )
    parts.append(words["next"])
    return "\n\n".join(parts)


def best_section(article: Article, question: str):  # type: ignore[no-untyped-def]
    wanted = set(asked(question))
    scored = [
        (len(wanted & set(terms(f"{s.heading} {s.text}"))), -n, s)
        for n, s in enumerate(article.sections)
    ]
    scored = [item for item in scored if item[0] > 0]
    return max(scored)[2] if scored else None
