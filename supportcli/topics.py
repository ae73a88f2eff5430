"""The topics an inquiry can be about."""

from __future__ import annotations

from supportcli.errors import BadInput
from supportcli.i18n import N_, _

# The descriptions as they stay in `topics --json`; `described()` gives them translated.
TOPICS: dict[str, str] = {
    "account": N_(
        "Login, password, two-step verification, locked or hacked account, "
        "changing your details (로그인, 비밀번호, 2단계 인증, 계정 정보)"
    ),
    "payment": N_(
        "Failed payments, double charges, refunds, receipts, subscriptions "
        "(결제 실패, 중복 결제, 환불, 영수증, 구독 해지)"
    ),
    "usage": N_(
        "How to use the service: settings, sync, notifications, the app "
        "(서비스 이용 방법, 설정, 동기화, 알림, 앱)"
    ),
    "other": N_("Anything else (그 밖의 문의)"),
}


def described() -> dict[str, str]:
    """Each topic's description in the interface's language, for people (menus, tables)."""
    return {name: _(text) for name, text in TOPICS.items()}


def check_topic(value: str, *, flag: str = "--topic") -> str:
    topic = value.strip().lower()
    if topic not in TOPICS:
        raise BadInput(
            _("{flag}: unknown topic {value!r}; choose one of {choices}").format(
                flag=flag, value=value, choices=", ".join(TOPICS)
            )
        )
    return topic
