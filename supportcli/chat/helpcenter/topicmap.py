"""Which of our topics a source's category is about (`support kb topics`).

A category seen for the first time gets a guess from its name (words of our topics'
descriptions, Korean and English), kept as `auto`; the user's choice (`kb topics set`)
is kept as `user` and never guessed over. Changing a mapping re-labels the articles at
once; a chat's topic only lifts matching articles' scores, so a rough guess costs little."""

from __future__ import annotations

import re

from supportcli.errors import NotFound
from supportcli.i18n import _
from supportcli.store import kb as store
from supportcli.store.db import transaction
from supportcli.store.dialect import Database
from supportcli.topics import TOPICS, check_topic

# Words that name a topic in category and section names real help centers use.
HINTS: dict[str, tuple[str, ...]] = {
    "account": (
        "account", "login", "log in", "sign in", "signin", "password", "profile",
        "security", "verification", "2fa", "계정", "로그인", "비밀번호", "회원", "인증",
        "보안", "가입", "탈퇴", "개인정보",
    ),
    "payment": (
        "payment", "billing", "refund", "invoice", "receipt", "subscription", "plan",
        "pricing", "charge", "order", "결제", "환불", "청구", "영수증", "구독", "요금",
        "결재", "주문", "멤버십", "쿠폰", "포인트",
    ),
    "usage": (
        "usage", "how to", "getting started", "guide", "feature", "setting", "app",
        "sync", "notification", "troubleshoot", "device", "사용", "이용", "설정", "기능",
        "앱", "동기화", "알림", "가이드", "시작", "문제 해결", "오류",
    ),
}  # fmt: skip


def guess(category: str) -> str:
    name = category.lower()
    scores = {
        topic: sum(1 for word in words if re.search(re.escape(word), name))
        for topic, words in HINTS.items()
    }
    best = max(scores, key=lambda t: scores[t])
    return best if scores[best] else "other"


def topic_for(db: Database, source_id: int, category: str) -> str:
    """The topic for a category (inside the caller's transaction), guessed once."""
    found = store.topic_of(db, source_id, category)
    if found is not None:
        return found[0]
    topic = category if category in TOPICS else guess(category)
    store.set_topic(db, source_id, category, topic, "auto")
    return topic


def listing(db: Database) -> list[dict[str, object]]:
    names = {s.id: s.location for s in store.sources(db)}
    return [
        {
            "source": names.get(sid, str(sid)),
            "category": category,
            "topic": topic,
            "chosen": chosen,
            "articles": count,
        }  # fmt: skip
        for sid, category, topic, chosen, count in store.topics(db)
    ]


def choose(db: Database, category: str, topic: str, *, source: str | None) -> int:
    """Map a category (of one source, or of every source that has it) to a topic;
    returns how many articles were re-labelled."""
    topic = check_topic(topic, flag="TOPIC")
    rows = [r for r in store.topics(db) if r[1] == category]
    if source is not None:
        wanted = store.source(db, source)
        rows = [r for r in rows if wanted is not None and r[0] == wanted.id]
    if not rows:
        known = sorted({r[1] for r in store.topics(db)})
        hint = "; " + _("known: {names}").format(names=", ".join(known)) if known else ""
        message = _("no category {category} in the imported help centers").format(
            category=repr(category)
        )
        raise NotFound(message + hint)
    moved = 0
    with transaction(db):
        for source_id, *_rest in rows:
            store.set_topic(db, source_id, category, topic, "user")
            moved += store.retopic(db, source_id, category, topic)
    return moved
