"""What `support chat` and `support kb` call: run a whole chat with its ending, and look
things up in the help center."""

from __future__ import annotations

import sys

from supportcli.chat.articles import Article
from supportcli.chat.retrieval import Hit, language_of
from supportcli.errors import BadInput, NotFound
from supportcli.signals import exit_code, stop_signals_interrupt


def run_chat(*, topic: str | None, agent: str | None, resume: int | None, interactive: bool) -> int:
    from supportcli.chat.service import open_chat
    from supportcli.ui.chat_io import PipeIO, TerminalIO

    io = TerminalIO() if interactive else PipeIO()

    def choose_topic() -> str:
        from supportcli.ui import prompts

        return prompts.choose_topic()

    with stop_signals_interrupt():
        session, earlier = open_chat(
            io, topic=topic, agent_name=agent, resume=resume, choose_topic=choose_topic
        )
        if isinstance(io, TerminalIO):
            io.show_transcript(earlier)
            if not earlier:
                io.notice(
                    "상담원에게 궁금한 점을 적어 주세요. /help 로 명령어를 볼 수 있어요. "
                    "· Write your question; /help lists the commands."
                )
        try:
            outcome = session.run()
        except KeyboardInterrupt as stop:
            _farewell(session.inquiry_id, interactive, interrupted=True)
            return exit_code(stop)
        except BadInput as bad:  # a line that could not be read
            raise _after_bad_line(session, bad) from None
    if outcome.how == "email" and outcome.email_id is not None:
        if interactive:
            _farewell(session.inquiry_id, interactive, interrupted=False)
            return _compose(outcome.email_id)
        print(
            f"Chat #{session.inquiry_id} is now email draft #{outcome.email_id}; "
            f"review and send it with `support email --edit {outcome.email_id}`",
            file=sys.stderr,
        )
        print(f"email {outcome.email_id}", file=sys.stderr)
    _farewell(session.inquiry_id, interactive, interrupted=False)
    return 0


def _after_bad_line(session, bad: BadInput) -> BadInput:  # type: ignore[no-untyped-def]
    """One line for the error; no empty chat left behind, and a kept one is named."""
    if not session.conversation:
        from supportcli.store import writes

        writes.delete_inquiries(session.db, [session.inquiry_id])
        return bad
    return BadInput(
        f"{bad.message}; chat {session.inquiry_id} keeps the messages before it "
        f"(`support chat --resume {session.inquiry_id}`)"
    )


def _compose(email_id: int) -> int:
    """Straight on to the email composer with the draft that carries the transcript."""
    from supportcli.config import Settings
    from supportcli.mail.service import EmailRequest, interactive_email

    print(f"이메일 문의로 이어갑니다 · On to an email inquiry (draft #{email_id})", file=sys.stderr)
    with stop_signals_interrupt():
        return interactive_email(EmailRequest(edit=email_id), Settings.load())


def _farewell(chat_id: int, interactive: bool, *, interrupted: bool) -> None:
    if interactive or interrupted:
        print(
            f"Chat #{chat_id} is saved; continue it with `support chat --resume {chat_id}`",
            file=sys.stderr,
        )
    print(f"chat {chat_id}", file=sys.stderr, flush=True)


def _agent():  # type: ignore[no-untyped-def]
    from supportcli.chat.kb import KbAgent
    from supportcli.config import Settings

    return KbAgent(Settings.load())


def kb_search(text: str) -> list[Hit]:
    return _agent().search(text, language=language_of(text))  # type: ignore[no-any-return]


def kb_article(slug: str) -> Article:
    for article in _agent().index.articles:
        if article.slug == slug:
            return article  # type: ignore[no-any-return]
    raise NotFound(f"no help article {slug!r}; see `support kb search`")
