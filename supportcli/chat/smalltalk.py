"""Greetings, thanks and goodbyes: a message made only of them gets a short reply in kind,
never a help-article search (which found nothing in "감사합니다" and apologised)."""

from __future__ import annotations

import re

# Whole words, lower-cased, punctuation stripped.
WORDS = {
    "hello": {
        "안녕하세요",
        "안녕",
        "hello",
        "hi",
        "hey",
        "여보세요",
        "저기요",
        "반가워요",
        "ㅎㅇ",
        "morning",
        "좋은",
        "아침이에요",
        "아침입니다",
    },
    "thanks": {
        "thanks",
        "thank",
        "thx",
        "ty",
        "땡큐",
        "cheers",
        "appreciate",
        "ㄱㅅ",
        "ㄳ",
        "ㄳㄳ",
        "ㄱㅅㄱㅅ",
    },
    "bye": {
        "bye",
        "goodbye",
        "later",
        "수고하세요",
        "수고하셨습니다",
        "들어가세요",
        "ㅂㅂ",
        "ㅂㅇ",
    },
}
# Korean words are matched by their stem, whatever the ending (감사해요, 고마워요, 안녕히 계세요).
STEMS = {"thanks": ("감사", "고마", "고맙"), "bye": ("안녕히", "수고")}
# Words that may come with them without making the message a question.
FILLER = {
    "네", "넵", "예", "아", "아하", "와", "정말", "진짜", "너무", "많이", "대단히", "알겠습니다",
    "알겠어요", "좋아요", "좋네요", "해결됐어요", "해결됐습니다", "됐어요", "계세요", "가세요",
    "ok", "okay", "great", "so", "much", "very", "you", "a", "lot", "all", "for", "the",
    "help", "your", "that", "works", "worked", "there", "again", "good", "day", "nice",
    "it", "see",
}  # fmt: skip

REPLIES = {
    "ko": {
        "hello": "안녕하세요, 고객센터입니다. 어떤 점이 궁금하신가요? 겪고 계신 문제를 자세히 "
        "적어 주시면 바로 도와드릴게요.",
        "thanks": "도움이 되었다니 다행이에요. 더 궁금한 점이 있으면 언제든 말씀해 주세요. "
        "상담을 마치려면 `/end` 를 입력해 주세요.",
        "bye": "이용해 주셔서 감사합니다. 좋은 하루 보내세요! `/end` 를 입력하면 상담이 끝나요.",
    },
    "en": {
        "hello": "Hello, this is customer support. What can I help you with? Tell me what "
        "happened and I'll look it up right away.",
        "thanks": "You're welcome! If anything else comes up, just ask. Type `/end` to "
        "finish the chat.",
        "bye": "Thank you for contacting us, and have a good day! Type `/end` to end the chat.",
    },
}

_PUNCTUATION = re.compile(r"[!?.,~^;:)(\-\s]+")
# Laughing, crying and sighing (ㅋㅋ ㅎㅎ ㅠㅠ ㅜㅜ ㅡㅡ) go with any of them.
_FEELING = re.compile(r"(?<=[^\u3131-\u318e])[ㅋㅎㅠㅜㅡ]+|^[ㅋㅠㅜㅡ]+|[ㅋㅠㅜㅡ]+$")

# Asking for a person: a human agent, a phone call. "전화번호 변경" is not one (it is about
# the customer's own number), so 전화 counts only with words of calling or of support.
_PERSON = re.compile(
    r"상담원|상담사|상담\s*직원|챗봇\s*말고|봇\s*말고|(실제|진짜|다른)\s*사람|"
    r"사람(이랑|하고|과|와|한테|에게|으로)?\s*(연결|얘기|이야기|대화|통화|바꿔|상담)|"
    r"직원(분|이랑|하고|과|와|한테)?\s*(연결|얘기|이야기|대화|통화|바꿔)|통화|"
    r"전화(로|로요|로는)?\s*(상담|연결|문의|주세요|해\s*주|가능|드려|할\s*수|하고)|"
    r"(고객\s*센터|상담\s*센터|콜\s*센터|대표)\s*(전화|번호|연결)|"
    r"\b(human|real person|live (agent|person|chat)|representative|operator|"
    r"(talk|speak|chat) (to|with) (a |an |someone|somebody|a real )?(person|agent|human|"
    r"someone|somebody|staff)|(your|support|customer service) (phone )?number|"
    r"call (you|support|someone|me)|connect me|customer (service|support|care))\b",
    re.I,
)


def kind(text: str) -> str | None:
    """ "hello", "thanks" or "bye" when `text` is only small talk; None for anything else.
    A goodbye outweighs thanks, and thanks a greeting ("감사합니다 안녕히 계세요" is bye)."""
    words = [w for w in _PUNCTUATION.split(_FEELING.sub(" ", text.lower())) if w]
    if not words:
        return None
    found = set()
    for word in words:
        what = _kind_of(word)
        if what is None and word not in FILLER:
            return None
        if what is not None:
            found.add(what)
    for what in ("bye", "thanks", "hello"):
        if what in found:
            return what
    return None


def _kind_of(word: str) -> str | None:
    for what, stems in STEMS.items():
        if word.startswith(stems):
            return what
    for what, words in WORDS.items():
        if word in words:
            return what
    return None


def reply(text: str, language: str) -> str | None:
    found = kind(text)
    return REPLIES[language][found] if found else None


def asks_for_person(text: str) -> bool:
    """Whether the message asks to talk to a person ("상담원 연결", "talk to a human")."""
    return _PERSON.search(text) is not None
