"""Realistic customer-support text for the benchmarks, in Korean and English.

Standard library only: `generate.py` (the project's virtualenv) and `peer.py` (the peer's
virtualenv) both import it, so both histories hold the same kind of text.

Messages are built from support sentences whose keyword slots are filled from a Zipf-like
distribution over the everyday words of support (환불, 결제, 비밀번호, 배송, 로그인, 영수증,
invoice, refund, password, shipping, login, receipt, ...): the inquiry's topic picks most of
them, the rest come from the whole vocabulary, so a few words are everywhere and most are
rare, as in real text. Korean particles follow the keyword's last syllable (환불을, 결제를).
"""

from __future__ import annotations

import itertools
import random
import re

TOPICS = ("account", "payment", "usage", "other")
TOPIC_WEIGHTS = (0.30, 0.35, 0.22, 0.13)  # payment and account questions dominate

# Keywords in rank order (most frequent first) per topic.
KEYWORDS = {
    "ko": {
        "account": [
            "로그인",
            "비밀번호",
            "계정",
            "인증번호",
            "2단계 인증",
            "아이디",
            "이메일 주소",
            "휴대폰 번호",
            "보안",
            "회원 탈퇴",
            "프로필",
            "본인 인증",
            "계정 잠금",
            "닉네임",
        ],
        "payment": [
            "결제",
            "환불",
            "영수증",
            "카드",
            "구독",
            "해지",
            "중복 결제",
            "요금",
            "자동 결제",
            "청구서",
            "쿠폰",
            "포인트",
            "결제 수단",
            "세금계산서",
            "할인",
            "부분 환불",
        ],
        "usage": [
            "앱",
            "알림",
            "동기화",
            "설정",
            "업데이트",
            "오류",
            "화면",
            "다운로드",
            "백업",
            "데이터",
            "기기",
            "검색",
            "다크 모드",
            "위젯",
        ],
        "other": [
            "배송",
            "주문",
            "교환",
            "반품",
            "택배",
            "배송지",
            "이벤트",
            "매장",
            "운영 시간",
            "개인정보",
            "제휴",
            "선물하기",
            "상담원",
        ],
    },
    "en": {
        "account": [
            "login",
            "password",
            "account",
            "verification code",
            "two-factor code",
            "username",
            "email address",
            "phone number",
            "security",
            "account deletion",
            "profile",
            "identity check",
            "account lock",
            "nickname",
        ],
        "payment": [
            "payment",
            "refund",
            "invoice",
            "receipt",
            "card",
            "subscription",
            "charge",
            "double charge",
            "bill",
            "auto-renewal",
            "cancellation",
            "coupon",
            "points",
            "payment method",
            "discount",
            "partial refund",
        ],
        "usage": [
            "app",
            "notification",
            "sync",
            "settings",
            "update",
            "error",
            "screen",
            "download",
            "backup",
            "data",
            "device",
            "search",
            "dark mode",
            "widget",
        ],
        "other": [
            "shipping",
            "order",
            "delivery",
            "exchange",
            "return",
            "parcel",
            "shipping address",
            "event",
            "store",
            "opening hours",
            "privacy",
            "partnership",
            "gift",
            "agent",
        ],
    },
}

ZIPF_S = 1.07
TOPIC_SHARE = 0.75  # share of keyword slots filled from the inquiry's own topic

SENTENCES = {
    ("ko", "customer"): [
        "{k:와} 관련해서 문의드립니다.",
        "어제부터 {k:이} 제대로 되지 않아서 연락드렸어요.",
        "{k} 문제 때문에 앱을 다시 설치했는데도 해결되지 않았습니다.",
        "지난주에 {k:을} 요청했는데 아직 아무 연락이 없어요.",
        "{k:은} 어디에서 확인할 수 있나요?",
        "혹시 {k:와} {k2:이} 같이 처리될 수 있을까요?",
        "{k} 화면에서 계속 오류 메시지가 나옵니다.",
        "주문번호는 {num}입니다. {k} 건으로 확인 부탁드립니다.",
        "{k:이} 두 번 처리된 것 같아서 걱정입니다.",
        "고객센터 안내대로 {k:을} 다시 시도했지만 똑같아요.",
        "{k} 관련 도움말을 읽어 봤는데 잘 이해가 안 됩니다.",
        "급하게 {k:이} 필요해서 빠른 답변 부탁드려요.",
        "{k:을} 변경하고 싶은데 방법을 모르겠어요.",
        "휴대폰을 바꾼 뒤로 {k:이} 안 됩니다.",
        "{date}에 {k:을} 했는데 내역이 보이지 않아요.",
        "가족 계정에서도 {k} 문제가 똑같이 생깁니다.",
        "{k:와} 관련된 안내 메일을 받지 못했습니다.",
        "{k:은} 보통 얼마나 걸리나요?",
        "이전에 상담받았던 {k} 건과 같은 문제입니다.",
        "스크린샷을 첨부하니 {k} 부분 확인 부탁드립니다.",
        "{k:이} 처리되면 문자로 알려 주실 수 있나요?",
        "회사 PC에서는 {k:이} 되는데 집에서는 안 돼요.",
    ],
    ("ko", "agent"): [
        "문의하신 {k} 건 확인해 드렸습니다.",
        "{k:은} 설정 메뉴에서 직접 변경하실 수 있습니다.",
        "불편을 드려 죄송합니다. {k} 내역을 다시 확인해 보겠습니다.",
        "{k:은} 영업일 기준 3~5일 정도 소요됩니다.",
        "말씀하신 주문번호 {num}의 {k} 상태를 확인했습니다.",
        "{k:와} {k2:은} 별도로 처리되니 참고 부탁드립니다.",
        "앱을 최신 버전으로 업데이트하신 뒤 {k:을} 다시 시도해 주세요.",
        "{date} 기준으로 {k:이} 정상 처리된 것으로 확인됩니다.",
        "{k} 관련 도움말 링크를 함께 보내 드립니다.",
        "보안을 위해 {k:을} 변경하시길 권해 드립니다.",
        "추가로 {k:이} 필요하시면 언제든 말씀해 주세요.",
        "담당 부서에 {k} 건을 전달해 두었습니다.",
        "처리가 완료되면 등록하신 이메일로 {k} 안내를 드리겠습니다.",
        "확인을 위해 {k:와} 가입하신 이메일 주소를 알려 주시겠어요?",
    ],
    ("en", "customer"): [
        "Hi, I have a question about my {k}.",
        "Since yesterday my {k} has not been working properly.",
        "I reinstalled the app because of the {k} problem, but it did not help.",
        "I asked for a {k} last week and have not heard back yet.",
        "Where can I find my {k}?",
        "Could the {k} and the {k2} be handled together?",
        "The {k} screen keeps showing an error message.",
        "My order number is {num}; please check the {k} for it.",
        "It looks like the {k} went through twice, which worries me.",
        "I tried the {k} again as your help page says, but nothing changed.",
        "I read the help article about the {k} but I do not understand it.",
        "I need the {k} urgently, so a quick answer would be great.",
        "I would like to change my {k} but cannot find how.",
        "Since I switched phones the {k} does not work.",
        "I did the {k} on {date} but I cannot see it in my history.",
        "The same {k} problem happens on my family account.",
        "I never got the email about the {k}.",
        "How long does a {k} usually take?",
        "This is the same {k} issue I contacted you about before.",
        "I attached a screenshot; please look at the {k} part.",
        "Can you text me when the {k} is done?",
        "The {k} works on my work laptop but not at home.",
    ],
    ("en", "agent"): [
        "I have checked the {k} you asked about.",
        "You can change the {k} yourself in the settings menu.",
        "Sorry for the inconvenience; I will look at the {k} again.",
        "A {k} usually takes 3 to 5 business days.",
        "I checked the {k} status for order {num}.",
        "Please note that the {k} and the {k2} are handled separately.",
        "Please update the app to the latest version and try the {k} again.",
        "As of {date} the {k} shows as completed.",
        "I am sending you the help article about the {k}.",
        "For your security we recommend changing your {k}.",
        "If you need anything else about the {k}, just let us know.",
        "I have passed the {k} case to the team in charge.",
        "We will email you about the {k} once it is done.",
        "To check, could you tell me the {k} and the email address you signed up with?",
    ],
}

OPENERS = {
    ("ko", "customer"): ["안녕하세요.", "안녕하세요, 문의드립니다.", "수고 많으십니다.", ""],
    ("ko", "agent"): [
        "안녕하세요 고객님, 고객센터입니다.",
        "안녕하세요 고객님.",
        "기다려 주셔서 감사합니다.",
    ],
    ("en", "customer"): ["Hello,", "Hi there,", "Good morning,", ""],
    ("en", "agent"): [
        "Hello, this is customer support.",
        "Hi, thanks for reaching out.",
        "Thank you for waiting.",
    ],
}
CLOSERS = {
    ("ko", "customer"): [
        "확인해 주셔서 감사합니다.",
        "답변 기다리겠습니다.",
        "빠른 처리 부탁드립니다.",
        "번거롭게 해 드려 죄송합니다.",
        "",
    ],
    ("ko", "agent"): [
        "이용에 불편을 드려 다시 한번 사과드립니다.",
        "좋은 하루 보내세요.",
        "더 궁금하신 점이 있으면 언제든 문의해 주세요.",
    ],
    ("en", "customer"): [
        "Thanks for looking into this.",
        "I look forward to your answer.",
        "Please sort this out quickly.",
        "Sorry for the trouble.",
        "",
    ],
    ("en", "agent"): [
        "We apologise again for the trouble.",
        "Have a nice day.",
        "If anything else comes up, just write to us.",
    ],
}

SUBJECTS = {
    "ko": [
        "{k} 문의드립니다",
        "{k} 관련 문의",
        "{k:이} 안 돼요",
        "{k} 요청드립니다",
        "[{k}] 확인 부탁드립니다",
        "{k:와} {k2} 문의",
        "{k} 오류",
        "{k} 처리 문의",
    ],
    "en": [
        "Question about my {k}",
        "{K} problem",
        "{K} not working",
        "Request: {k}",
        "[{k}] please check",
        "{K} and {k2}",
        "{K} error",
        "Help with {k}",
    ],
}

FILENAMES = [
    ("영수증.pdf", "application/pdf"),
    ("receipt.pdf", "application/pdf"),
    ("invoice-2024.pdf", "application/pdf"),
    ("screenshot.png", "image/png"),
    ("화면캡처.png", "image/png"),
    ("error.jpg", "image/jpeg"),
    ("log.txt", "text/plain"),
    ("주문내역.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]

_SLOT = re.compile(r"\{(k2?|K|num|date)(?::(\w))?\}")
# Particle pairs: (after a final consonant, after a vowel); 로 also follows ㄹ.
_PARTICLES = {
    "이": ("이", "가"),
    "을": ("을", "를"),
    "은": ("은", "는"),
    "와": ("과", "와"),
    "로": ("으로", "로"),
}


def _particle(word: str, mark: str) -> str:
    last = word[-1]
    if not "\uac00" <= last <= "\ud7a3":
        return _PARTICLES[mark][1]
    final = (ord(last) - 0xAC00) % 28
    if mark == "로" and final == 8:  # ㄹ
        return "로"
    return _PARTICLES[mark][0 if final else 1]


def zipf_cum_weights(n: int, s: float = ZIPF_S) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


class TextMaker:
    """Sentences, subjects and whole messages, reproducible from a seed."""

    def __init__(self, seed: int = 0, pool_size: int = 3000) -> None:
        self.rng = random.Random(seed)
        self._all: dict[str, list[str]] = {}
        self._all_w: dict[str, list[float]] = {}
        self._topic_w: dict[tuple[str, str], list[float]] = {}
        for lang, by_topic in KEYWORDS.items():
            # The whole vocabulary ranked by interleaving the topics' ranks.
            ranked = [w for group in itertools.zip_longest(*by_topic.values()) for w in group if w]
            self._all[lang] = ranked
            self._all_w[lang] = zipf_cum_weights(len(ranked))
            for topic, words in by_topic.items():
                self._topic_w[(lang, topic)] = zipf_cum_weights(len(words))
        self.pools: dict[tuple[str, str, str], list[str]] = {}
        for (lang, role), templates in SENTENCES.items():
            for topic in TOPICS:
                self.pools[(lang, role, topic)] = [
                    self.fill(self.rng.choice(templates), lang, topic) for _ in range(pool_size)
                ]

    def keyword(self, lang: str, topic: str) -> str:
        rng = self.rng
        if rng.random() < TOPIC_SHARE:
            words = KEYWORDS[lang][topic]
            return rng.choices(words, cum_weights=self._topic_w[(lang, topic)])[0]
        return rng.choices(self._all[lang], cum_weights=self._all_w[lang])[0]

    def fill(self, template: str, lang: str, topic: str) -> str:
        rng = self.rng

        def slot(match: re.Match[str]) -> str:
            name, mark = match.group(1), match.group(2)
            if name == "num":
                return f"{rng.randint(2019, 2026)}-{rng.randint(0, 99_999_999):08d}"
            if name == "date":
                if lang == "ko":
                    return f"{rng.randint(1, 12)}월 {rng.randint(1, 28)}일"
                return (
                    f"{rng.choice(['January', 'March', 'May', 'July', 'October'])} "
                    f"{rng.randint(1, 28)}"
                )
            word = self.keyword(lang, topic)
            if name == "K":
                word = word[0].upper() + word[1:]
            return word + (_particle(word, mark) if mark else "")

        return _SLOT.sub(slot, template)

    def subject(self, lang: str, topic: str) -> str:
        return self.fill(self.rng.choice(SUBJECTS[lang]), lang, topic)

    def length(self) -> int:
        """200-2,000 characters, log-uniform: many short messages, a few long ones."""
        return int(200 * 10 ** self.rng.random())

    def message(self, lang: str, role: str, topic: str, length: int | None = None) -> str:
        """A greeting, sentences from the pool, a closing: `length` characters (200-2,000)."""
        rng = self.rng
        target = min(length or self.length(), 1900)
        opener = rng.choice(OPENERS[(lang, role)])
        closer = rng.choice(CLOSERS[(lang, role)])
        pool = self.pools[(lang, role, topic)]
        parts: list[str] = [opener] if opener else []
        size = len(opener) + len(closer)
        while size < target:
            for sentence in rng.choices(pool, k=12):
                if parts:
                    gap = "\n\n" if rng.random() < 0.12 else " "
                    parts.append(gap)
                    size += len(gap)
                parts.append(sentence)
                size += len(sentence)
                if size >= target:
                    break
        if closer:
            parts += ["\n\n", closer]
        return "".join(parts)[:2000]
