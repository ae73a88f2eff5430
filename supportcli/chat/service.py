"""What `support chat` and `support kb` call: start or resume a chat (identity, topic,
agent, then the session loop), and look things up in the help center. The terminal or
pipe comes in as a `ChatIO`; questions and the email step come in as callbacks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from supportcli.account import Ask, require_identity
from supportcli.chat.agent import Agent, load_agent
from supportcli.chat.session import ChatIO, ChatSession, MakeEmail
from supportcli.config import Settings
from supportcli.errors import BadInput
from supportcli.i18n import tr
from supportcli.records import NEW, Event, Message, next_status
from supportcli.store import reads, writes
from supportcli.store.db import connect
from supportcli.topics import check_topic


def open_chat(
    io: ChatIO,
    *,
    topic: str | None,
    agent_name: str | None,
    resume: int | None,
    choose_topic: Callable[[], str],
    make_email: MakeEmail,
    ask: Ask | None,
) -> tuple[ChatSession, Sequence[Message]]:
    """The session to run and, when resuming, the messages so far."""
    settings = require_identity(Settings.load(), ask=ask)
    db = connect(conversation=True)
    if resume is not None and agent_name is None:  # a chat goes on with whoever had it
        agent_name = reads.get_record(db, resume).agent
    agent = load_agent(agent_name or settings.text("chat.agent") or "kb", settings)
    if resume is not None:
        session = ChatSession.load(db, resume, agent=agent, io=io, make_email=make_email)
        session.status = writes.change_status(db, resume, Event.CHAT_RESUME)
        return session, reads.get_record(db, resume).messages
    if topic is None:
        topic = choose_topic() if io.interactive else "other"
    topic = check_topic(topic)
    status = next_status(Event.CHAT_START, NEW)
    chat_id = writes.create_inquiry(
        db, channel="chat", topic=topic, status=status, agent=agent.name
    )
    session = ChatSession(
        db=db, inquiry_id=chat_id, agent=agent, topic=topic, io=io, make_email=make_email
    )
    return session, []


def skipped_articles(agent: Agent) -> list[str]:
    """Help articles an agent could not read (the kb agent keeps them), to be reported."""
    return list(getattr(agent, "skipped", ()))


def after_bad_line(session: ChatSession, bad: BadInput) -> BadInput:
    """A line that could not be read: no empty chat left behind, and a kept one is named."""
    if not session.conversation:
        writes.delete_inquiries(session.db, [session.inquiry_id])
        return bad
    return BadInput(
        tr(
            "{problem}; chat {id} keeps the messages before it (`support chat --resume {id}`)",
            problem=bad.message,
            id=session.inquiry_id,
        )
    )


def wait_for_answer(chat_id: int, io: ChatIO) -> bool:
    """Until a counsellor answers chat `chat_id` (True; each answer goes to `io`) or
    leaves it (False). An answer the customer has not replied to yet counts at once."""
    settings = Settings.load()
    db = connect(conversation=True)
    session = ChatSession.load(
        db, chat_id, agent=load_agent("matrix", settings), io=io, make_email=_no_email
    )
    record = reads.get_record(db, chat_id)
    unanswered = _since_last_customer_line(record.messages)
    if unanswered:
        for message in unanswered:
            io.show_live(str((message.meta or {}).get("name", "")), message.body)
        return True
    return bool(session.agent.wait(session))  # type: ignore[attr-defined]


def _since_last_customer_line(messages: Sequence[Message]) -> list[Message]:
    found: list[Message] = []
    for message in reversed(messages):
        if message.role == "customer":
            break
        if message.role == "agent" and (message.meta or {}).get("agent") == "matrix":
            found.insert(0, message)
    return found


def _no_email(db: object, chat_id: int) -> int:  # pragma: no cover - waiting sends nothing
    raise AssertionError("a waiting chat makes no email")
