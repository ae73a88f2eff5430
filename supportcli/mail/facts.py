"""What an escalated chat hands the desk: a short transcript for the person who reads the
email (the customer's lines; for the agent's turns only the titles and links of the
articles it showed), and the same facts as data for the desk's software, sent as the
`support-inquiry.json` part (its schema is in the README, "The escalation's JSON part")."""

from __future__ import annotations

from typing import Any

from supportcli import __version__
from supportcli.errors import NotFound
from supportcli.records import Channel, Inquiry, Role
from supportcli.store import reads
from supportcli.store.dialect import Database
from supportcli.text import local_time

SCHEMA = "support-inquiry/1"
DETAIL_KEYS = ("what", "error", "tried", "environment")

TRANSCRIPT_INTRO = (
    "아래 채팅 상담으로 해결되지 않아 이메일로 문의드립니다.\n"
    "The chat below did not solve my problem, so I am following up by email.\n"
)


def chat_turns(chat: Inquiry) -> list[dict[str, Any]]:
    """The chat as data: each customer line exactly, each agent turn as the articles it
    showed (its full text is the articles' own)."""
    turns: list[dict[str, Any]] = []
    for message in chat.messages:
        if message.role == Role.AGENT:
            meta = message.meta or {}
            cited: list[dict[str, object]] = meta.get("citations") or []  # type: ignore[assignment]
            turns.append(
                {
                    "role": "agent",
                    "at": message.created_at,
                    "agent": meta.get("agent"),
                    # The agent's own word on whether it had an answer (False: it offered
                    # an email inquiry); not the customer's verdict.
                    "found_answer": meta.get("helpful"),
                    "articles": [
                        {"title": str(c.get("title", "")), "link": str(c.get("link", ""))}
                        for c in cited
                    ],
                }
            )
        else:
            turns.append(
                {"role": str(message.role), "at": message.created_at, "text": message.body}
            )
    return turns


def articles_shown(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every article shown, once, with the first turn that showed it. The chat records no
    verdict of the customer's on an article, so `verdict` is null until one does."""
    seen: dict[str, dict[str, Any]] = {}
    for n, turn in enumerate(turns):
        for article in turn.get("articles", []):
            seen.setdefault(article["link"], {**article, "turn": n, "verdict": None})
    return list(seen.values())


def short_transcript(chat: Inquiry) -> str:
    """The chat as plain text for the email: a line per customer message, and for each
    agent turn the articles' titles and links."""
    lines = [
        TRANSCRIPT_INTRO,
        f"--- 채팅 상담 · Chat #{chat.id} ({chat.topic}), {local_time(chat.created_at)} ---",
    ]
    for turn in chat_turns(chat):
        when = local_time(turn["at"])[-5:]  # HH:MM; the date is in the line above
        if turn["role"] == "agent":
            shown = turn["articles"]
            lines.append(
                f"[{when}] 상담원 · Agent:" + ("" if shown else " (관련 글 없음 · no article)")
            )
            lines += [f"  - {a['title']} <{a['link']}>" for a in shown]
        else:
            name = "고객 · Customer" if turn["role"] == Role.CUSTOMER else "System"
            text = turn["text"].rstrip("\n").replace("\n", "\n    ")
            lines.append(f"[{when}] {name}: {text}")
    return "\n".join(lines) + "\n"


def inquiry_facts(
    *, inquiry_id: int | None, topic: str, chat: Inquiry, details: dict[str, str] | None
) -> dict[str, Any]:
    """The JSON part's content, less the attachment manifest, which the renderer adds
    from the very bytes it attaches."""
    turns = chat_turns(chat)
    answers = {key: (details or {}).get(key, "") for key in DETAIL_KEYS} if details else None
    return {
        "schema": SCHEMA,
        "app_version": __version__,
        "inquiry_id": inquiry_id,
        "topic": topic,
        "chat_id": chat.id,
        "chat_rating": chat.rating,
        "answers": answers,
        "environment": (answers or {}).get("environment") or None,
        "articles": articles_shown(turns),
        "turns": turns,
    }


def escalation_facts(
    db: Database, *, inquiry_id: int | None, topic: str, chat_id: int, details: object
) -> dict[str, Any] | None:
    """The facts of an inquiry that continues chat `chat_id`; None if the chat is gone."""
    try:
        chat = reads.get_record(db, chat_id)
    except NotFound:
        return None
    if chat.channel != Channel.CHAT:
        return None
    answers = details if isinstance(details, dict) else None
    return inquiry_facts(inquiry_id=inquiry_id, topic=topic, chat=chat, details=answers)
