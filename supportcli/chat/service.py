"""Starting or resuming a chat: identity, topic, agent, then the session loop."""

from __future__ import annotations

from dataclasses import dataclass

from supportcli.chat.agent import load_agent
from supportcli.chat.session import ChatIO, ChatSession, Outcome
from supportcli.config import Settings
from supportcli.errors import BadInput
from supportcli.store import writes
from supportcli.store.db import connect
from supportcli.topics import check_topic


@dataclass
class ChatResult:
    chat_id: int
    outcome: Outcome


def require_identity(settings: Settings, *, interactive: bool) -> Settings:
    """Who is asking: the login step when name or email is missing."""
    missing = [name for name in ("user.name", "user.email") if not settings.text(name)]
    if not missing:
        return settings
    if not interactive:
        raise BadInput(
            f"{missing[0]} is not set: run `support login` or set "
            f"{'SUPPORT_USER_NAME' if missing[0] == 'user.name' else 'SUPPORT_USER_EMAIL'}"
        )
    from supportcli.account import login

    login({}, ask=True)
    return Settings.load()


def open_chat(
    io: ChatIO, *, topic: str | None, agent_name: str | None, resume: int | None, choose_topic
) -> tuple[ChatSession, list[dict[str, object]]]:  # type: ignore[no-untyped-def]
    """The session to run and, when resuming, the messages so far."""
    settings = require_identity(Settings.load(), interactive=io.interactive)
    agent = load_agent(agent_name or settings.text("chat.agent") or "kb", settings)
    db = connect(conversation=True)

    def make_email(chat_id: int) -> int:
        from supportcli.mail.drafts import draft_from_chat

        return draft_from_chat(db, chat_id, settings)

    if resume is not None:
        session = ChatSession.load(db, resume, agent=agent, io=io, make_email=make_email)
        writes.update_inquiry(db, resume, status="open")
        from supportcli.store.reads import get_record

        return session, get_record(db, resume)["messages"]  # type: ignore[return-value]
    if topic is None:
        topic = choose_topic() if io.interactive else "other"
    topic = check_topic(topic)
    chat_id = writes.create_inquiry(
        db, channel="chat", topic=topic, status="open", agent=agent.name
    )
    return ChatSession(
        db=db, inquiry_id=chat_id, agent=agent, topic=topic, io=io, make_email=make_email
    ), []
