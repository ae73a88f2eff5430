"""The `kb` agent: answers offline from the help-center articles.

It reads the customer's latest message (and, more lightly, what they said before), finds
the best article in their language, quotes the part that answers them, and cites every
article it used. When nothing fits well enough it says so and offers an email inquiry."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from supportcli.chat import smalltalk
from supportcli.chat.agent import Answer, Citation, Turn
from supportcli.chat.articles import Article
from supportcli.chat.helpcenter.folders import open_index
from supportcli.chat.retrieval import Hit, language_of, terms

if TYPE_CHECKING:
    from supportcli.config import Settings

EARLIER_WEIGHT = 0.4  # what the customer said before still counts, less than their last words
MIN_COVERAGE = 0.1  # share of the question the best article matched (bigrams make it low)
MIN_SCORE = 5.0  # BM25; questions the help center answers score 7+, chit-chat under 4
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
    },
    "en": {
        "more": "Read more",
        "related": "Related articles",
        "next": "If this doesn't solve it, type `/email` and I'll turn this chat into an email "
        "inquiry with the whole conversation attached.",
        "none": "Sorry, I couldn't find a help article that really answers this. Type `/email` "
        "and I'll pass this conversation to the support team as an email inquiry, or "
        "try describing the problem in other words.",
    },
}


class KbAgent:
    name = "kb"

    def __init__(self, settings: Settings | None = None) -> None:
        # The articles live in the history's index (bundled, chat.kb_dir, `kb add`);
        # skipped files are for the caller to report: an agent never prints.
        self.index, self.skipped = open_index(settings)

    def answer(self, conversation: Sequence[Turn], *, topic: str) -> Answer:
        said = [turn.body for turn in conversation if turn.role == "customer"]
        if not said:
            return Answer(iter(()), helpful=False)
        language = language_of(said[-1])
        small_talk = smalltalk.reply(said[-1], language)
        if small_talk is not None:
            return Answer(iter([small_talk]))
        best = self._best(said, language, topic)
        if (
            best is None
            or best.coverage < MIN_COVERAGE
            or best.score < MIN_SCORE
            or not self._on_point(said[-1], best)
        ):
            return Answer(iter([TEXT[language]["none"]]), helpful=False)
        used = [best, *self._related(said[-1], best)]
        text = compose(best.article, said[-1], [h.article for h in used[1:]], language)
        return Answer(
            iter([text]), citations=[Citation(h.article.title, h.article.link) for h in used]
        )

    def _best(self, said: list[str], language: str, topic: str) -> Hit | None:
        """The article for the latest message. When it is a question on its own, its own
        best match ("결제가 두 번 됐어요" after a password question is about payment); only
        a message too short to decide ("그건 어디서 해요?") leans on what came before."""
        alone = self.index.rank(Counter(terms(said[-1])), language=language, topic=topic)
        if alone and alone[0].score >= MIN_SCORE and alone[0].coverage >= MIN_COVERAGE:
            return alone[0]
        hits = self.index.rank(self._query(said), language=language, topic=topic)
        if not hits:
            hits = self.index.rank(self._query(said), topic=topic)  # any language
        return hits[0] if hits else None

    def _related(self, latest: str, best: Hit) -> list[Hit]:
        """Other articles about the latest question alone: earlier questions chose the
        articles already shown, and listing them again under each answer was noise."""
        alone = self.index.rank(Counter(terms(latest)), language=best.article.language)
        others = [h for h in alone if h.article.slug != best.article.slug][:2]
        top = alone[0].score if alone else 0.0
        return [h for h in others if h.score >= top * RELATED_RATIO]

    def _on_point(self, latest: str, best: Hit) -> bool:
        """Earlier messages help choose between articles, but the latest message must
        itself be about the chosen one: "오늘 날씨 어때요" after a password question is not
        a password question."""
        alone = self.index.rank(Counter(terms(latest)), language=best.article.language)
        return any(hit.article.slug == best.article.slug for hit in alone[:3]) or (
            bool(alone) and alone[0].score >= MIN_SCORE
        )

    @staticmethod
    def _query(said: list[str]) -> Counter[str]:
        query: Counter[str] = Counter()
        for body in said[:-1]:
            for term in terms(body):
                query[term] += EARLIER_WEIGHT  # type: ignore[assignment]
        query.update(terms(said[-1]))
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
    wanted = set(terms(question))
    scored = [
        (len(wanted & set(terms(f"{s.heading} {s.text}"))), -n, s)
        for n, s in enumerate(article.sections)
    ]
    scored = [item for item in scored if item[0] > 0]
    return max(scored)[2] if scored else None
