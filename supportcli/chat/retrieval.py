"""Ranking help-center articles against a conversation: BM25 over Korean bigrams, as in
the history's search (결제 matches 결제했는데), with light English stemming and stop words.

Korean words lose their particle before they are cut (결재가 -> 결재, so it never matches
재가입 through 재가), and an article's text also holds the bigram across each space between
two Korean words, so a question written without spaces matches it. `content_heads` names
what a question asks about, for judging whether an article is about it."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from supportcli.chat.articles import Article
from supportcli.store.search import _CJK, WORD

ANALYZER_VERSION = 2  # bumped whenever an article's terms change: stored indexes re-index

# The CJK ranges of the history's index (store.search._CJK, "a-b" three characters each).
_CJK_RANGES = tuple((ord(_CJK[i]), ord(_CJK[i + 2])) for i in range(0, len(_CJK), 3))
_RUNS = re.compile("c+|n+")


class _Kinds(dict[int, str]):
    """Code point -> "c" (CJK, as store.search's CJK_RUN) or "n", learnt as met."""

    def __missing__(self, code: int) -> str:
        kind = "c" if any(low <= code <= high for low, high in _CJK_RANGES) else "n"
        self[code] = kind
        return kind


_KINDS = _Kinds()


def pieces(token: str) -> list[tuple[str, bool]]:
    """The token cut into its CJK runs and the rest, each with whether it is CJK: what
    store.search's CJK_OR_NOT and CJK_RUN tell, without their character classes of
    ~40,000 characters, whose compiling (~15 ms) cost more than a whole `kb search`."""
    kinds = token.translate(_KINDS)
    return [(token[m.start() : m.end()], kinds[m.start()] == "c") for m in _RUNS.finditer(kinds)]


STOP = frozenset(
    """
a an the i me my we our you your it its is are was were be been am do does did
to of in on at for from by with and or but not no so if this that these those
there here what when where how why which who can could would should will shall
may might must have has had get got just also still yet please hi hello thanks
thank help want need like im dont cant ive id some any all out up about into
than then them they he she
""".split()  # noqa: SIM905
)

# Korean endings and filler that every question has ("...하려면 어떻게 해야 하나요?"), as
# the bigrams they fold into.
STOP_KO = frozenset(
    """
어떻 떻게 해야 하나 나요 있나 해요 세요 어요 싶어 하고 려면 으려
하려 는데 은데 인데 했는 했어 했어요 었어 았어 에서 으로 에게 한테
이에 에요 예요 인가 건가 가요 까요 할까 하면 되나 되요 돼요 나왔
이렇 그런 저는 제가 내가 혹시 좀 요 은 는 이 가 을 를 에 도 게
고 합니 니다 습니 주세 해주 알려 려주 주세요 있어 없어 어서 아서
하는 되는 했습 는지 은지 어디 디서 디에 어떡 떡해 떡하 같아 아요
""".split()  # noqa: SIM905
)

K1, B = 1.4, 0.75
TITLE_WEIGHT, KEYWORD_WEIGHT = 2, 3


def language_of(text: str) -> str:
    # A loop, not a pattern: a class of 11,172 syllables takes ~3 ms to compile.
    return "ko" if any("\uac00" <= char <= "\ud7a3" for char in text) else "en"


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # cancelled -> cancell -> cancel
    return word


# Particles a Korean word ends with (결제가, 카드를, 로그인이): dropped before the word is
# cut into bigrams, so that 결재가 does not match 재가입 through 재가.
PARTICLES = re.compile(
    r"(이라고|라고|으로|에서|이랑|하고|한테|에게|까지|부터|[이가을를은는에의도로와과랑만])$"
)


def stem_ko(word: str) -> str:
    """A Korean word without its particle, when a syllable remains (two, for a
    one-syllable particle on a longer word: 기기가, but 놀이 keeps its 이 only as 놀)."""
    match = PARTICLES.search(word)
    if match and len(word) - len(match.group()) >= (1 if len(word) <= 3 else 2):
        return word[: match.start()]
    return word


def terms(text: str, *, joins: bool = False) -> list[str]:
    """The text's terms: Korean words (particles dropped) as bigrams, other words stemmed,
    stop words and numbers left out. With `joins` (an article's text), also the bigram
    across each space between two Korean words (결제 수단 -> 제수), so that a question
    written without spaces (결제수단) matches the article's spaced words."""
    out = []
    previous = ""  # the Korean word just before, for the bigram across the space
    for token in WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        for piece, cjk in pieces(token):
            if not cjk:
                previous = ""
                if piece not in STOP and not piece.isdigit() and len(piece) > 1:
                    out.append(stem(piece))
                continue
            piece = stem_ko(piece)
            grams = (
                [piece] if len(piece) == 1 else [piece[i : i + 2] for i in range(len(piece) - 1)]
            )
            if joins and previous:
                grams.append(previous[-1] + piece[0])
            out.extend(g for g in grams if g not in STOP_KO)
            previous = piece
    return out


# A Korean word ending like this is a predicate (안되요, 받고, 나갔어요), not a thing asked
# about; a verb made from a noun (로그인하면, 환불받고) still names its noun.
_PREDICATE = re.compile(
    r"(요|다|고|[어아해여와워나져려쳐혀]서|면|죠|데|게|까|래|줘|음|됨|네|나|니|자|어|아|해|함"
    r"|걸|된|던|혀|봐|야|할|될|꿀|쓸|볼|갈|줄)$"
)
_VERB_MAKERS = re.compile(r"하|되|돼|받|했|됐|해|됨|당|시키|드리|드립|안|못")
# Words every question may hold that name nothing: where, when, how much, now, again...
NOT_CONTENT = frozenset(
    """
어디 언제 얼마 누가 무엇 뭐가 어떻 어떡 혹시 제가 저는 지금 너무 많이 계속 자꾸 다시
바로 아직 그냥 진짜 정말 같아 다음 이번 지난 오늘 어제 내일 방법 가능 문의 부탁 확인
필요 전에 끄는 끄고 켜는 켜고 한거 된거 그거 이거 저거 뭔가 끄기 켜기 하기 보기 쓰기
새로 잘못 갑자 처음
enabl disabl turn set setup use using make work start startup find see know tell way
anymor keep try trying again new 때문 say said found wasn isn don doesn didn through last
week day year bought one get mak tak long now instead sinc never ago thing possibl every
month 그만 전부 하나 이상
""".split()  # noqa: SIM905
)


def content_heads(text: str) -> list[str]:
    """The things a question asks about, one term each: the first bigram of every Korean
    noun (of a verb made from a noun, the noun), every English content word. Used to judge
    whether an article is about what was asked, not for ranking."""
    out = []
    for token in WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        for piece, cjk in pieces(token):
            if not cjk:
                word = stem(piece)
                if piece not in STOP and not piece.isdigit() and len(piece) > 1:
                    out += [word] if word not in NOT_CONTENT else []
                continue
            word = stem_ko(piece)
            maker = _VERB_MAKERS.search(word, 2)
            if maker:
                word = stem_ko(word[: maker.start()])
            if _PREDICATE.search(word):
                continue
            # Both nouns of a compound (개인정보 처리방침: 개인 정보 처리 방침).
            for head in (word[:2], word[2:4]):
                if len(head) == 2 and head not in NOT_CONTENT and head not in STOP_KO:
                    out.append(head)
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float
    coverage: float  # share of the question's weight the article matched

    def as_json(self) -> dict[str, object]:
        """What `support kb search` shows, for people and for scripts."""
        a = self.article
        return {
            "slug": a.slug,
            "title": a.title,
            "topic": a.topic,
            "language": a.language,
            "link": a.link,
            "score": round(self.score, 2),
        }


class Index:
    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = list(articles)
        self.docs = [Counter(self._doc_terms(a)) for a in self.articles]
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.avg = sum(self.lengths) / max(len(self.lengths), 1)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    @staticmethod
    def _doc_terms(article: Article) -> list[str]:
        return (
            terms(article.title, joins=True) * TITLE_WEIGHT
            + terms(", ".join(article.keywords), joins=True) * KEYWORD_WEIGHT
            + terms(article.body, joins=True)
        )

    def weight(self, term: str) -> float:
        """How telling a term is: its idf (a term no article holds, the highest)."""
        return self.idf.get(term, self.unknown_idf)

    def rank(
        self,
        query: Counter[str] | dict[str, float],
        *,
        language: str | None = None,
        topic: str | None = None,
    ) -> list[Hit]:
        total = sum(self.idf.get(t, self.unknown_idf) * w for t, w in query.items()) or 1.0
        hits = []
        for article, doc, length in zip(self.articles, self.docs, self.lengths, strict=True):
            if language and article.language != language:
                continue
            score = matched = 0.0
            for term, weight in query.items():
                freq = doc.get(term, 0)
                if not freq:
                    continue
                idf = self.idf[term]
                score += (
                    weight * idf * freq * (K1 + 1) / (freq + K1 * (1 - B + B * length / self.avg))
                )
                matched += weight * idf
            if score <= 0:
                continue
            if topic and article.topic == topic:
                score *= 1.15
            hits.append(Hit(article, score, matched / total))
        return sorted(hits, key=lambda h: (-h.score, h.article.slug))

    def search(self, text: str, *, language: str | None = None) -> list[Hit]:
        return self.rank(Counter(terms(text)), language=language)
