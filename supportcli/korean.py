"""Understanding questions as customers type them, shared by the chat's article search and
the history search (`support list -q`).

Customers write 결재 for 결제, 비번 for 비밀번호, 로긴 for 로그인, "2차 인증" for what the
help center calls 2단계 인증, and mix English into Korean ("password reset 메일이 안 와요").
This module holds a small, curated table of those (kept here, in one place, so that each
entry is reviewed and tested) and two ways to use it:

- `understand(text)`: the question rewritten for ranking articles: chat noise dropped
  (ㅠㅠ ㅋㅋ ㅡㅡ), misspellings corrected, and the help center's own words added for slang,
  synonyms and, in a Korean question, its English words;
- `variants(word)`: the spellings one search word stands for (결재 -> 결재, 결제), which
  the history search ORs within that word's slot.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Compatibility jamo standing alone: ㅠㅠ ㅋㅋ ㅎㅎ ㅡㅡ (and 초성 such as ㄱㅅ, which
# smalltalk reads before this runs).
NOISE = re.compile(r"[\u1100-\u11ff\u3131-\u318e]+")  # NFKC turns ㅠ into U+1172

# Misspellings and slang -> the help center's word, corrected wherever they occur in a word
# (결재가 -> 결제가). Each is common in real customer messages and means nothing else here.
FIXES = {
    "결재": "결제",
    "로긴": "로그인",
    "비번": "비밀번호",
    "패스워드": "비밀번호",
    "헤지": "해지",
    "환블": "환불",
    "제발급": "재발급",
    "어떻해": "어떻게 해",
    "어케": "어떻게",
    "핸드폰": "휴대폰",
    "핸폰": "휴대폰",
    "어플": "앱",
    "싱크": "동기화",
    "2번": "두 번",
    "안돼": "안됨",
    "안되": "안됨",
    "2차 인증": "2단계 인증",
    "2차인증": "2단계 인증",
    "이중 인증": "2단계 인증",
    "이중인증": "2단계 인증",
}
# English misspellings, corrected only as whole words.
WORD_FIXES = {"pw": "password", "pasword": "password",
              "passwrod": "password", "subscribtion": "subscription",
              "subcription": "subscription", "cant": "can't"}  # fmt: skip

# What a phrase means in the help center's words, added to the question (the customer's
# own words stay: an article may use them too). Keys are matched without spaces.
SYNONYMS = {
    "탈퇴": "계정 삭제",
    "계정삭제": "탈퇴",
    "없애": "삭제",
    "튕기": "앱 꺼짐 강제 종료",
    "튕겨": "앱 꺼짐 강제 종료",
    "튕김": "앱 꺼짐 강제 종료",
    "멈춰": "앱 멈춤",
    "멈췄": "앱 멈춤",
    "안열려": "앱 안 열림",
    "안열림": "앱 안 열림",
    "환불받": "환불",
    "돌려받": "환불",
    "돌려주": "환불",
    "두번": "중복",
    "두건": "중복",
    "끊고": "해지",  # stopping a payment; 끊겨요 (a connection dropping) is not one
    "끊어": "해지",
    "끊을": "해지",
    "끊으": "해지",
    "끊는": "해지",
    "잠겼": "잠김",
    "잠겨": "잠김",
    "까먹": "잊어버림 분실",
    "잊어버": "잊어버림 분실",
    "기억이안": "잊어버림 분실",
    "생각이안": "잊어버림 분실",
    "경비처리": "지출증빙 영수증",
    "연동": "동기화",
    "내보내": "내보내기",
    "다운받": "다운로드",
    "바꾸": "변경",
    "바꿔": "변경",
    "바꿨": "변경",
    "바뀌": "변경",
    "바뀐": "변경",
    "개명": "이름 변경",
    "연장": "갱신",
    "청구": "결제",
    "요금": "결제",
    "지워": "삭제",
    "지우": "삭제",
    "페이팔": "paypal 간편결제",
    "아이패드": "태블릿",
    "아이폰": "휴대폰",
    "파일로": "내보내기 다운로드",
    "시간이이상": "시간대",
    "돈": "결제 금액",
    "누가": "도용",
    "결제안되게": "정기결제 중지 해지",
}
# The same for whole English words (otp is not the otp in "forgotpassword").
WORD_SYNONYMS = {
    "otp": "2단계 인증 인증 앱",
    "refunded": "refund",
    "ipad": "tablet",
    "korean": "language",
    "japanese": "language",
    "spanish": "language",
    "french": "language",
    "german": "language",
    "chinese": "language",
    "promotional": "email notifications",
    "marketing": "email notifications",
}

# English words in a Korean question, in the Korean articles' words.
ENGLISH = {
    "password": "비밀번호",
    "reset": "재설정",
    "refund": "환불",
    "delete": "삭제",
    "crash": "앱 꺼짐",
    "cancel": "해지 취소",
    "subscription": "구독",
    "login": "로그인",
    "log": "로그인",
    "signin": "로그인",
    "sync": "동기화",
    "export": "내보내기",
    "invoice": "인보이스 영수증",
    "receipt": "영수증",
    "notification": "알림",
    "notifications": "알림",
    "push": "푸시 알림",
    "language": "언어",
    "english": "영어",
    "update": "변경",
    "change": "변경",
    "locked": "잠김",
    "account": "계정",
    "payment": "결제",
    "card": "카드",
    "email": "이메일",
    "mail": "메일",
    "2fa": "2단계 인증",
    "two": "2단계",
    "factor": "인증",
    "fail": "실패",
    "failed": "실패",
    "hacked": "해킹",
}

_FIX = re.compile("|".join(sorted(map(re.escape, FIXES), key=len, reverse=True)))


@cache
def _phone() -> re.Pattern[str]:
    """폰 starting a word is a phone (폰 바꿨어요, 폰에서); 스마트폰 and 폰트 are left alone.
    Compiled when first needed: its class of 11,172 syllables takes ~2 ms to compile,
    more than a whole `list -q` search, and most text holds no 폰."""
    return re.compile(r"(?<![\uac00-\ud7a3])폰(?!트)")


def _phones(text: str) -> str:
    return _phone().sub("휴대폰", text) if "폰" in text else text


_LATIN = re.compile(r"[a-z0-9]+")


def correct(text: str) -> str:
    """`text` with misspellings and slang replaced by the help center's words."""
    text = _FIX.sub(lambda m: FIXES[m.group()], unicodedata.normalize("NFKC", text).lower())
    text = _phones(text)
    return " ".join(WORD_FIXES.get(word, word) for word in text.split())


def understand(text: str, *, keep_english: bool = True) -> str:
    """The question for ranking: noise dropped, corrected, the help center's words added.
    Without `keep_english`, the English words of a Korean question are replaced by their
    Korean meaning rather than kept beside it."""
    plain = NOISE.sub(" ", unicodedata.normalize("NFKC", text)).lower()
    text = correct(plain)
    joined = plain.replace(" ", "") + " " + text.replace(" ", "")
    extra = [meaning for phrase, meaning in SYNONYMS.items() if phrase in joined]
    extra += [WORD_SYNONYMS[w] for w in _LATIN.findall(text) if w in WORD_SYNONYMS]
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):  # a Korean question
        extra += [ENGLISH[w] for w in _LATIN.findall(text) if w in ENGLISH]
        if not keep_english:
            text = _LATIN.sub(lambda m: "" if m.group() in ENGLISH else m.group(), text)
    if not keep_english:  # nor the words whose meaning was added
        text = " ".join(w for w in text.split() if not any(p in w for p in SYNONYMS))
    return " ".join([text, *extra])


def variants(word: str) -> list[str]:
    """The spellings a search word stands for: itself, then its corrected form (결재 ->
    결제) and the misspellings that correct to it (결제 -> 결재), without repeats. English
    slang that is not one word (cant -> can't) is left out: a search word is one word."""
    word = unicodedata.normalize("NFKC", word).lower()
    fixed = _phones(_FIX.sub(lambda m: FIXES[m.group()], word))
    found = [word, fixed, WORD_FIXES.get(word, word) if word.isalnum() else word]
    found += [wrong for wrong, right in FIXES.items() if right == word and " " not in wrong]
    found += [wrong for wrong, right in WORD_FIXES.items() if right == word]
    added = [w for w in found[1:] if re.fullmatch(r"[^\W_]+(?: [^\W_]+)*", w)]
    return list(dict.fromkeys([word, *added]))
