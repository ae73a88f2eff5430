"""The topics an inquiry can be about."""

from __future__ import annotations

from supportcli.errors import BadInput

TOPICS: dict[str, str] = {
    "account": "Login, password, two-step verification, locked or hacked account, "
    "changing your details (로그인, 비밀번호, 2단계 인증, 계정 정보)",
    "payment": "Failed payments, double charges, refunds, receipts, subscriptions "
    "(결제 실패, 중복 결제, 환불, 영수증, 구독 해지)",
    "usage": "How to use the service: settings, sync, notifications, the app "
    "(서비스 이용 방법, 설정, 동기화, 알림, 앱)",
    "other": "Anything else (그 밖의 문의)",
}


def check_topic(value: str, *, flag: str = "--topic") -> str:
    topic = value.strip().lower()
    if topic not in TOPICS:
        raise BadInput(f"{flag}: unknown topic {value!r}; choose one of {', '.join(TOPICS)}")
    return topic
