"""Write benchmarks/pii/corpus.jsonl, the labelled cases `benchmarks/pii.py` scores.

    python benchmarks/pii/make_corpus.py          # rewrites corpus.jsonl (seed 19)

The corpus file is committed; this script only says how it was made, so that it can be
grown the same way. It was written before the detectors were tuned, from what customers
paste (sentences in Korean and English around each kind of personal data, numbers glued
to particles, full-width digits, spaces and dots as separators) and from the numbers that
look like personal data but are not (orders, dates, invoices, tracking numbers, versions,
Luhn-failing numbers, product codes, URLs, timestamps, amounts).

Each line: {"id", "lang", "text", "expect": [[kind, exact substring], ...], "note"}.
Numbers are made by a seeded generator: valid dates, checksums and Luhn digits where the
real thing has them (and resident numbers issued after October 2020, whose checksum is
not valid, on purpose).
"""

from __future__ import annotations

import json
import random
import string
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus.jsonl"
WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")

rng = random.Random(19)
cases: list[dict] = []


def add(lang: str, text: str, expect: list[tuple[str, str]], note: str) -> None:
    for _kind, sub in expect:
        assert sub in text, (sub, text)
    cases.append({"lang": lang, "text": text, "expect": [list(e) for e in expect], "note": note})


# ---- number makers -----------------------------------------------------------------


def birth(after_2000: bool) -> date:
    if after_2000:
        start, span = date(2000, 1, 1), 9000
    else:
        start, span = date(1940, 1, 1), 21900
    return start + timedelta(days=rng.randrange(span))


def rrn_checksum(first12: str, foreign: bool = False) -> int:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    total = sum(int(d) * w for d, w in zip(first12, weights, strict=True))
    return ((13 if foreign else 11) - total % 11) % 10


def resident(foreign: bool = False, valid_check: bool = True) -> str:
    after = rng.random() < 0.3
    day = birth(after)
    sex = rng.choice([3, 4] if after else [1, 2])
    if foreign:
        sex += 4
    body = f"{day:%y%m%d}{sex}{rng.randrange(10**5):05d}"
    check = rrn_checksum(body, foreign)
    if not valid_check:
        check = (check + rng.randint(1, 9)) % 10
    return body + str(check)


def luhn_digit(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        n = int(ch) * (1 if i % 2 else 2)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


CARD_PREFIXES = [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15)]
CARD_PREFIXES += [("6011", 16), ("35", 16), ("9410", 16), ("62", 16), ("36", 14), ("4", 13)]


def card(prefix: str | None = None, length: int | None = None, valid: bool = True) -> str:
    if prefix is None:
        prefix, length = rng.choice(CARD_PREFIXES)
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    digit = luhn_digit(body)
    if not valid:
        digit = str((int(digit) + rng.randint(1, 9)) % 10)
    return body + digit


def group_card(number: str, sep: str) -> str:
    if len(number) in (14, 15):
        parts = [number[:4], number[4:10], number[10:]]
    else:
        parts = [number[i : i + 4] for i in range(0, len(number), 4)]
    return sep.join(parts)


def digits(n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def mobile(sep: str = "-") -> str:
    return sep.join(
        [rng.choice(["010", "010", "010", "011", "016", "017", "019"]), digits(4), digits(4)]
    )


def landline(sep: str = "-") -> str:
    area = rng.choice(["02", "031", "032", "051", "053", "062", "064", "070"])
    middle = digits(3 if area != "070" and rng.random() < 0.4 else 4)
    if middle[0] == "0":
        middle = "5" + middle[1:]
    return sep.join([area, middle, digits(4)])


ACCOUNT_FORMATS = {
    "국민은행": (6, 2, 6),
    "신한은행": (3, 3, 6),
    "우리은행": (4, 3, 6),
    "하나은행": (3, 6, 5),
    "농협": (3, 4, 4, 2),
    "기업은행": (3, 6, 2, 3),
    "카카오뱅크": (4, 2, 7),
    "토스뱅크": (4, 4, 4),
    "SC제일은행": (3, 2, 6),
}


def account(bank: str, sep: str = "-") -> str:
    parts = [digits(n) for n in ACCOUNT_FORMATS[bank]]
    if parts[0][0] == "0":
        parts[0] = "1" + parts[0][1:]
    return sep.join(parts)


def passport() -> str:
    if rng.random() < 0.5:
        return rng.choice("MSRGD") + digits(8)
    return rng.choice("MSRGD") + digits(3) + rng.choice(string.ascii_uppercase) + digits(4)


def licence(sep: str = "-") -> str:
    region = rng.choice([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28])
    return sep.join([str(region), digits(2), digits(6), digits(2)])


def token(alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


B62 = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64URL = B62 + "-_"


def api_key() -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return "sk-" + token(B62, 48)
    if kind == 1:
        return "sk-proj-" + token(B64URL, 64)
    if kind == 2:
        return "ghp_" + token(B62, 36)
    if kind == 3:
        return "github_pat_" + token(B62, 22) + "_" + token(B62, 59)
    if kind == 4:
        return rng.choice(["AKIA", "ASIA"]) + token(string.ascii_uppercase + string.digits, 16)
    if kind == 5:
        return f"xoxb-{digits(12)}-{digits(13)}-{token(B62, 24)}"
    if kind == 6:
        return "AIza" + token(B64URL, 35)
    if kind == 7:
        return "glpat-" + token(B64URL, 20)
    if kind == 8:
        return "gho_" + token(B62, 36)
    head = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    return f"{head}.eyJ{token(B64URL, 40)}.{token(B64URL, 43)}"


def private_key() -> str:
    label = rng.choice(["RSA ", "EC ", "OPENSSH ", ""])
    lines = [token(B62 + "+/", 64) for _ in range(rng.randint(3, 8))]
    body = "\n".join(lines)
    return f"-----BEGIN {label}PRIVATE KEY-----\n{body}\n-----END {label}PRIVATE KEY-----"


def password() -> str:
    word = rng.choice(["summer", "hello", "qwer", "love", "sky", "dragon", "happy", "star"])
    return (
        word
        + rng.choice(["", "!", "@", "#"])
        + digits(rng.randint(2, 4))
        + rng.choice(["", "!", "$"])
    )


def secret_value() -> str:
    return token(B62 + "_-", rng.randint(28, 44))


def wide(text: str) -> str:
    return text.translate(WIDE)


# ---- positives ---------------------------------------------------------------------


def positives_rrn() -> None:
    ko = [
        "본인 확인용 주민번호는 {x}입니다.",
        "주민등록번호 {x}이고 이름은 김민수예요.",
        "제 주민번호 {x}로 가입했어요",
        "가입 때 {x} 넣었는데 본인인증이 안 됩니다.",
        "생년월일이랑 뒷자리 합쳐서 {x}예요",
        "{x} 이 번호로 조회해 주세요.",
        "어머니 주민등록번호는 {x}이고요, 제 건 따로 보낼게요.",
        "확인 부탁드려요 ({x})",
    ]
    en = [
        "My resident registration number is {x}, please verify.",
        "Korean ID number: {x}",
        "For the tax invoice use {x} (my RRN).",
        "I typed {x} during sign-up and it was rejected.",
    ]
    for i in range(44):
        number = resident(valid_check=i % 5 != 0)
        style = i % 6
        if style == 0:
            x = number[:6] + "-" + number[6:]
        elif style == 1:
            x = number
        elif style == 2:
            x = number[:6] + " " + number[6:]
        elif style == 3:
            x = wide(number[:6] + "-" + number[6:])
        elif style == 4:
            x = number[:6] + " - " + number[6:]
        else:
            x = number[:6] + "-" + number[6:]
        lang = "ko" if i % 3 else "en"
        template = rng.choice(ko if lang == "ko" else en)
        add(lang, template.format(x=x), [("rrn", x)], f"rrn style {style}")


def positives_frn() -> None:
    ko = [
        "외국인등록번호 {x}입니다.",
        "저는 외국인이라 등록번호가 {x}이에요.",
        "외국인등록증 번호 {x}로 인증했는데 실패해요",
    ]
    en = [
        "My alien registration number is {x}.",
        "Foreigner ID {x}, I live in Seoul.",
    ]
    for i in range(22):
        number = resident(foreign=True, valid_check=i % 4 != 0)
        x = number[:6] + ("-" if i % 3 else "") + number[6:]
        if i % 7 == 3:
            x = wide(x)
        lang = "ko" if i % 2 else "en"
        add(lang, rng.choice(ko if lang == "ko" else en).format(x=x), [("frn", x)], "frn")


def positives_card() -> None:
    ko = [
        "결제한 카드번호는 {x}입니다.",
        "카드 {x}로 두 번 결제됐어요.",
        "{x} 이 카드 해지해 주세요",
        "신용카드 번호 {x}이고 유효기간은 12/27이에요.",
        "체크카드({x})에서 돈이 빠져나갔어요.",
        "이 번호 {x}로 환불해 주세요.",
    ]
    en = [
        "My card number is {x}, expiry 09/28.",
        "Please refund to card {x}.",
        "I was charged twice on {x}!",
        "Card: {x} CVC 123",
        "The charge on {x} should be reversed.",
    ]
    for i in range(60):
        number = card()
        style = i % 6
        if style == 0:
            x = number
        elif style == 1:
            x = group_card(number, "-")
        elif style == 2:
            x = group_card(number, " ")
        elif style == 3:
            x = wide(group_card(number, "-"))
        elif style == 4:
            x = group_card(number, ".")
        else:
            x = group_card(number, "-")
        lang = "ko" if i % 2 else "en"
        add(
            lang, rng.choice(ko if lang == "ko" else en).format(x=x), [("card", x)], f"card {style}"
        )


def positives_phone() -> None:
    ko = [
        "연락처는 {x}입니다.",
        "{x}로 전화 주세요.",
        "제 휴대폰 번호 {x}이고 문자로 부탁드려요",
        "회사 번호 {x} 로 연락 주셔도 됩니다.",
        "받는 분 연락처: {x}",
        "번호 바뀌었어요 {x}으로 변경해 주세요",
    ]
    en = [
        "You can call me at {x}.",
        "My phone number is {x}.",
        "Text me on {x} when it ships.",
        "Office line: {x}",
    ]
    for i in range(60):
        style = i % 8
        if style in (0, 1, 2):
            x = mobile(["-", " ", ""][style])
        elif style == 3:
            x = mobile(".")
        elif style == 4:
            x = landline("-")
        elif style == 5:
            x = landline(" ")
        elif style == 6:
            m = mobile("-")
            x = "+82 " + m[1:] if i % 2 else "+82-" + m[1:]
        else:
            x = wide(mobile("-"))
        lang = "ko" if i % 3 else "en"
        add(
            lang,
            rng.choice(ko if lang == "ko" else en).format(x=x),
            [("phone", x)],
            f"phone {style}",
        )


def positives_account() -> None:
    ko = [
        "환불은 {bank} {x}으로 입금해 주세요.",
        "{bank} 계좌번호 {x} 예금주 홍길동입니다.",
        "계좌 {x} ({bank})로 송금 부탁드립니다.",
        "{bank} {x}로 이체해 주시면 됩니다",
        "입금 계좌: {x} {bank}",
        "환불계좌는 {bank} {x}이에요.",
    ]
    en = [
        "Please send the refund to my {bank} account {x}.",
        "Bank account: {x} ({bank})",
        "Account number {x} at {bank}, holder Kim.",
    ]
    banks = list(ACCOUNT_FORMATS)
    for i in range(45):
        bank = banks[i % len(banks)]
        x = account(bank, " " if i % 9 == 4 else "-")
        if i % 10 == 7:
            x = x.replace("-", "")
        if i % 11 == 5:
            x = wide(x)
        lang = "ko" if i % 3 else "en"
        text = rng.choice(ko if lang == "ko" else en).format(bank=bank, x=x)
        add(lang, text, [("account", x)], "account")


def positives_passport() -> None:
    ko = [
        "여권번호는 {x}입니다.",
        "여권 번호 {x}로 예약했어요",
        "여권({x}) 만료일이 다음 달이에요.",
    ]
    en = ["My passport number is {x}.", "Passport No. {x}, expires 2031.", "passport: {x}"]
    for i in range(22):
        x = passport()
        lang = "ko" if i % 2 else "en"
        add(lang, rng.choice(ko if lang == "ko" else en).format(x=x), [("passport", x)], "passport")


def positives_licence() -> None:
    ko = [
        "운전면허번호 {x}입니다.",
        "면허번호는 {x}이고 본인인증에 썼어요.",
        "운전면허증 {x}로 인증했는데 안 돼요",
    ]
    en = ["Driver's licence number {x}.", "My driving license: {x}"]
    for i in range(22):
        x = licence(" " if i % 6 == 5 else "-")
        if i % 7 == 2:
            x = wide(x)
        lang = "ko" if i % 2 else "en"
        add(
            lang,
            rng.choice(ko if lang == "ko" else en).format(x=x),
            [("driver_license", x)],
            "licence",
        )


def positives_password() -> None:
    forms = [
        ("ko", "비밀번호: {x}"),
        ("ko", "비밀번호는 {x} 입니다."),
        ("ko", "비번은 {x}이에요"),
        ("ko", "아이디 kim1234 / 비밀번호 {x}"),
        ("ko", "로그인 정보 - 비밀번호 : {x}"),
        ("ko", "패스워드: {x} 로 바꿨어요"),
        ("en", "password: {x}"),
        ("en", "My password is {x} and it still fails."),
        ("en", "user=kim pw={x}"),
        ("en", "Password = {x}"),
        ("en", "login kim@example.com, pwd: {x}"),
    ]
    for i in range(33):
        lang, form = forms[i % len(forms)]
        x = password()
        add(lang, form.format(x=x), [("password", x)], "password")


def positives_keys() -> None:
    forms = [
        ("en", "Here is my key {x} please check the quota."),
        ("en", "export OPENAI_API_KEY={x}"),
        ("en", "The integration uses {x} and fails with 401."),
        ("ko", "API 키 {x}를 넣었는데 오류가 나요."),
        ("ko", "설정에 {x} 이렇게 넣었습니다"),
        ("ko", "토큰은 {x}입니다."),
    ]
    for i in range(44):
        lang, form = forms[i % len(forms)]
        x = api_key()
        add(lang, form.format(x=x), [("api_key", x)], "api_key")


def positives_private() -> None:
    forms = [
        ("en", "Here is the deploy key:\n{x}\nIt worked yesterday."),
        ("ko", "서버 키 첨부합니다.\n{x}\n확인 부탁드려요."),
        ("en", "{x}"),
    ]
    for i in range(21):
        lang, form = forms[i % len(forms)]
        x = private_key()
        add(lang, form.format(x=x), [("private_key", x)], "private_key")


def positives_secret() -> None:
    forms = [
        ("en", "client_secret: {x}"),
        ("en", "The webhook secret is {x} if that helps."),
        ("en", "access token = {x}"),
        ("en", "token {x}"),
        ("ko", "시크릿 키: {x}"),
        ("ko", "토큰 값은 {x}입니다."),
        ("ko", "인증 키는 {x} 이거예요"),
        ("en", "SECRET_KEY='{x}'"),
    ]
    for i in range(32):
        lang, form = forms[i % len(forms)]
        x = secret_value()
        add(lang, form.format(x=x), [("secret", x)], "secret")


def positives_mixed() -> None:
    for _ in range(20):
        r = resident()
        r = r[:6] + "-" + r[6:]
        p = mobile()
        c = group_card(card(), "-")
        add(
            "ko",
            f"이름 박지영, 주민번호 {r}, 연락처 {p}, 결제카드 {c}입니다.",
            [("rrn", r), ("phone", p), ("card", c)],
            "mixed ko",
        )
    for _ in range(10):
        p = mobile()
        x = password()
        add(
            "en",
            f"Name: Jane Lee\nPhone: {p}\nPassword: {x}\nThanks!",
            [("phone", p), ("password", x)],
            "mixed en",
        )


# ---- hard negatives ------------------------------------------------------------------


def negatives() -> None:
    ko: list[str] = []
    en: list[str] = []
    n = rng.randint
    hexa = "0123456789abcdef"
    for _ in range(12):
        year = n(2019, 2026)
        ko.append(f"주문번호 {year}-{digits(8)} 확인 부탁드립니다.")
        en.append(f"My order number is {year}-{digits(8)}; please check it.")
        ko.append(
            f"주문번호 {n(2019, 2026)}{n(1, 12):02d}{n(1, 28):02d}{digits(6)}번 배송이 늦어요."
        )
        en.append(f"Invoice INV-{year}-{digits(6)} was paid on {year}-0{n(1, 9)}-1{n(0, 9)}.")
        ko.append(f"운송장 번호 {digits(12)}로 조회가 안 돼요.")
        ko.append(f"CJ대한통운 송장번호 {digits(4)}-{digits(4)}-{digits(4)} 입니다.")
        en.append(f"Tracking number 1Z{token(UPPER_DIGITS, 16)} shows no movement.")
        en.append(f"App version {n(1, 9)}.{n(0, 30)}.{n(0, 99)} (build {digits(6)}) crashes.")
        ko.append(
            f"{n(2019, 2026)}년 {n(1, 12)}월 {n(1, 28)}일 {n(10, 23)}:{n(10, 59)}에 결제했어요."
        )
        en.append(
            f"Logged at 2024-{n(1, 12):02d}-{n(10, 28)}T{n(10, 23)}:{n(10, 59)}:{n(10, 59)}"
            f".{digits(6)}Z"
        )
        ko.append(f"결제 금액 {n(1, 9)},{digits(3)},{digits(3)}원이 두 번 빠져나갔어요.")
        en.append(f"I was billed ${n(1, 9)},{digits(3)}.{digits(2)} instead of ${n(10, 99)}.00.")
        # a number shaped like a card that fails Luhn
        bad = card(valid=False)
        ko.append(f"쿠폰 코드 {group_card(bad, '-')} 입력이 안 돼요.")
        en.append(f"Reference {bad} does not work.")
        ko.append(f"제품 코드 SKU-010-{digits(4)}-{digits(4)} 재고 있나요?")
        en.append(f"Model number KB-{digits(3)}-{digits(4)}-{digits(4)} is sold out.")
        en.append(f"See https://shop.example.com/orders/{digits(16)}?ref={digits(13)} for details.")
        ko.append(f"링크 https://m.example.co.kr/item/{digits(10)}/{digits(8)} 에서 샀어요.")
        ko.append(
            f"사업자등록번호 {digits(3)}-{digits(2)}-{digits(5)} 로 세금계산서 발행해 주세요."
        )
        en.append(f"Ticket #{digits(7)} was closed without an answer.")
        ko.append(
            f"접수번호 {n(20, 26)}{n(1, 12):02d}{n(10, 28)}-{digits(5)} 처리 상황 알려주세요."
        )
        en.append(f"The serial is SN{digits(12)} on the box.")
        ko.append(f"고객센터 1588-{digits(4)}로 전화했는데 안 받아요.")
        en.append(f"Error code 0x{token(hexa.upper(), 8)} at {n(10, 23)}:{n(10, 59)}.")
        ko.append(f"인증번호 {digits(6)}가 안 와요.")
        en.append(f"The verification code {digits(6)} expired.")
        ko.append(f"우리 집 주소는 서울시 강남구 테헤란로 {n(1, 500)}, {n(100, 2000)}호입니다.")
        en.append(f"Commit {token(hexa, 40)} broke the login page.")
        ko.append(f"IP 192.168.{n(0, 255)}.{n(0, 255)}에서 접속이 막혀요.")
        en.append(f"Your password must have 8 to 64 characters; {n(3, 9)} attempts left.")
        ko.append("비밀번호를 잊어버렸어요. 비밀번호 재설정 메일이 안 와요.")
        en.append("I forgot my password and the reset link expired.")
        ko.append("비밀번호는 어디서 바꾸나요?")
        en.append(f"The token expired after {n(10, 90)} minutes.")
        ko.append(f"API 키는 설정 화면에서 발급받으면 되나요? 키 길이가 {n(20, 64)}자라고 나와요.")
    for text in ko:
        add("ko", text, [], "negative")
    for text in en:
        add("en", text, [], "negative")


# Written by hand after the first run of the detectors, as a check on cases the generator
# does not make (none of them was looked at while tuning before).
HAND: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("ko", "카드번호는4111-1111-1111-1111입니다", [("card", "4111-1111-1111-1111")]),
    ("ko", "주민번호:8501012345675, 이름:이영희", [("rrn", "8501012345675")]),
    ("ko", "전화번호 010.2345.6789로 연락주세요", [("phone", "010.2345.6789")]),
    ("en", "Call +82 (0)10 2345 6789 after 6pm.", [("phone", "+82 (0)10 2345 6789")]),
    ("ko", "매장 번호 (02) 345-6789 입니다", [("phone", "(02) 345-6789")]),
    ("ko", "집전화 031)234-5678 으로 주세요", [("phone", "031)234-5678")]),
    ("en", "PW: Abcd1234", [("password", "Abcd1234")]),
    ("ko", "비번 1q2w3e4r! 입니다", [("password", "1q2w3e4r!")]),
    ("ko", "예금주 김철수 농협 352-1234-5678-93", [("account", "352-1234-5678-93")]),
    ("ko", "국민 123456-78-901234 로 보내주세요", [("account", "123456-78-901234")]),
    ("en", "AWS key AKIAIOSFODNN7EXAMPLE leaked in the log", [("api_key", "AKIAIOSFODNN7EXAMPLE")]),
    ("ko", "2024.01.01 ~ 2024.12.31 기간 동안 결제가 안 됐어요", []),
    ("en", "ISBN 978-3-16-148410-0 is the book I ordered.", []),
    ("ko", "주문번호 ORD-20240315-0001 취소해 주세요", []),
    ("ko", "계좌 잔액이 1,234,567원인데 출금이 안 돼요", []),
    ("ko", "카드 결제 금액 45,000원, 승인번호 12345678", []),
    ("ko", "계좌이체로 2024-01-15에 입금했어요", []),
    ("ko", "입금자명 홍길동, 주문번호 2024031512345", []),
    ("en", "Build 20240315.1234567 failed at step 3.", []),
    ("en", "The password field says: at least 8 characters.", []),
    ("ko", "비밀번호: 변경했어요", []),
    ("en", "Our API key rotation happens every 90 days.", []),
    ("en", "Use the token from the settings page, not the one in the email.", []),
    ("ko", "내선번호 1234, 대표번호 1588-1234", []),
    ("en", "Timestamp 1710489600123 in the log.", []),
    ("en", "Monkey-patching the keyboard module fixed it.", []),
    ("ko", "고객번호 900101-1234567 로 조회해 주세요", [("rrn", "900101-1234567")]),
    ("en", "login?user=kim&pw=abc1234&next=/", [("password", "abc1234")]),
    ("en", "GUID 3f2504e0-4f89-11d3-9a0c-0305e82c3301 for the device", []),
]


def main() -> None:
    positives_rrn()
    positives_frn()
    positives_card()
    positives_phone()
    positives_account()
    positives_passport()
    positives_licence()
    positives_password()
    positives_keys()
    positives_private()
    positives_secret()
    positives_mixed()
    negatives()
    for lang, text, expect in HAND:
        add(lang, text, expect, "hand")
    with OUT.open("w", encoding="utf-8") as handle:
        for n, case in enumerate(cases, 1):
            handle.write(json.dumps({"id": n, **case}, ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
