"""chat, and kb search / kb show."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from supportcli import console
from supportcli.cli import checked_ids, examples
from supportcli.i18n import _, particles, tr
from supportcli.text import visible

if TYPE_CHECKING:  # for annotations only: command bodies import what they run
    from supportcli.account import Ask
    from supportcli.chat.helpcenter.index import StoredIndex
    from supportcli.store.dialect import Database

kb_app = typer.Typer(
    help=_(
        "The help-center articles the chat agent answers from: search them, import help "
        "centers (kb add), keep them current (kb sync)."
    ),
    no_args_is_help=True,
    epilog=examples("support kb search 환불"),
)


def chat(
    topic: str | None = typer.Option(None, "--topic", help=_("account, payment, usage or other.")),
    agent: str | None = typer.Option(None, "--agent", help=_("Which agent answers (default kb).")),
    resume: int | None = typer.Option(
        None, "--resume", metavar="ID", callback=checked_ids, help=_("Continue an earlier chat.")
    ),
    wait: int | None = typer.Option(
        None,
        "--wait",
        metavar="ID",
        callback=checked_ids,
        help=_(
            "Wait until the counsellor answers chat ID, then ring the bell, show a desktop "
            "notification and print the answer."
        ),
    ),
) -> None:
    if wait is not None:
        raise typer.Exit(run_wait(wait))
    code = run_chat(topic=topic, agent=agent, resume=resume, interactive=console.interactive())
    if code:
        raise typer.Exit(code)


def run_chat(*, topic: str | None, agent: str | None, resume: int | None, interactive: bool) -> int:
    """A whole chat: the terminal or pipe face, the session, and what it ended with."""
    from supportcli.chat import service
    from supportcli.errors import BadInput
    from supportcli.signals import exit_code, stop_signals_interrupt
    from supportcli.ui.chat_io import PipeIO, TerminalIO
    from supportcli.ui.interrupt import end_running_prompt

    io = TerminalIO() if interactive else PipeIO()
    with stop_signals_interrupt(end_running_prompt):
        session, earlier = service.open_chat(
            io,
            topic=topic,
            agent_name=agent,
            resume=resume,
            choose_topic=_choose_topic,
            make_email=_make_email,
            ask=_ask() if interactive else None,
        )
        for problem in service.skipped_articles(session.agent):
            _say(tr("support: skipped a help article: {problem}", problem=problem))
        if isinstance(io, TerminalIO):
            io.welcome(earlier)
        try:
            outcome = session.run()
        except KeyboardInterrupt as stop:
            _farewell(session.inquiry_id, interactive, interrupted=True)
            return exit_code(stop)
        except BadInput as bad:  # a line that could not be read
            raise service.after_bad_line(session, bad) from None
    if outcome.how == "email" and outcome.email_id is not None:
        if interactive:
            _farewell(session.inquiry_id, interactive, interrupted=False)
            _say(tr("On to an email inquiry (draft #{id})", id=outcome.email_id))
            from supportcli.cli.email import compose_at_terminal
            from supportcli.mail.service import EmailRequest

            return compose_at_terminal(EmailRequest(edit=outcome.email_id))
        _say(
            tr(
                "Chat #{chat} is now email draft #{email}; "
                "review and send it with `support email --edit {email}`",
                chat=session.inquiry_id,
                email=outcome.email_id,
            )
        )
        _say_personal_data(outcome.email_id)
        _say(f"email {outcome.email_id}")  # the last line scripts read: never translated
    _farewell(session.inquiry_id, interactive, interrupted=False)
    return 0


def _say_personal_data(email_id: int) -> None:
    from supportcli.mail.guard import personal_data_in

    kinds = personal_data_in(email_id)
    if kinds:
        _say(
            tr(
                "The transcript holds personal data ({kinds}): `support email --edit {id}` "
                "asks what to mask before it is sent",
                kinds=kinds,
                id=email_id,
            )
        )


def wait_command(
    chat_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help=_("The chat to wait on.")
    ),
) -> None:
    raise typer.Exit(run_wait(chat_id))


def run_wait(chat_id: int) -> int:
    """`support chat --wait ID`: 0 when the counsellor answered, 1 when they left first."""
    from supportcli.chat import service
    from supportcli.ui.chat_io import WaitIO

    io = WaitIO()
    answered = service.wait_for_answer(chat_id, io)
    if answered:
        _ring(chat_id, io.answers)
    else:
        _say(tr("Chat #{id} closed without an answer; /email continues it by email", id=chat_id))
    _say(f"chat {chat_id}")  # the last line scripts read: never translated
    return 0 if answered else 1


def _ring(chat_id: int, answers: list[tuple[str, str]]) -> None:
    """The terminal's bell, and a desktop notification where `notify-send` is."""
    import contextlib
    import shutil
    import subprocess

    if sys.stderr.isatty():
        sys.stderr.write("\a")
        sys.stderr.flush()
    notify = shutil.which("notify-send")
    if notify is None or not answers:
        return
    name, text = answers[-1]
    title = tr("Chat #{id}: {name} answered", id=chat_id, name=name or _("the counsellor"))
    # No desktop to tell: the bell and the printed answer remain.
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run([notify, "--app-name=support", title, text[:300]], timeout=5, check=False)


def _choose_topic() -> str:
    from supportcli.ui import prompts

    return prompts.choose_topic()


def _make_email(db: Database, chat_id: int) -> int:
    from supportcli.config import Settings
    from supportcli.mail.service import escalate

    return escalate(db, chat_id, Settings.load())


def _ask() -> Ask:
    from supportcli.ui import prompts

    return prompts.ask


def _farewell(chat_id: int, interactive: bool, *, interrupted: bool) -> None:
    if interactive or interrupted:
        _say(
            tr(
                "Chat #{id} is saved; continue it with `support chat --resume {id}`",
                id=chat_id,
            )
        )
    _say(f"chat {chat_id}")  # the last line scripts read: never translated


def _say(line: str) -> None:
    # Server replies and stored names reach this line: shown, never obeyed.
    print(visible(particles(line)), file=sys.stderr, flush=True)


def _kb_index() -> StoredIndex:
    from supportcli.chat import lookup

    index, skipped = lookup.kb_index()
    for problem in skipped:
        _say(tr("support: skipped a help article: {problem}", problem=problem))
    return index


@kb_app.command(
    "search",
    help=_("Look it up before you ask: the best help articles for TEXT."),
    epilog=examples(
        "support kb search 비밀번호 재설정", "support kb search 'charged twice' --json"
    ),
)
def kb_search(
    text: list[str] = typer.Argument(..., help=_("What you are looking for.")),
    limit: int = typer.Option(5, "-n", "--limit", help=_("How many articles.")),
    as_json: bool = typer.Option(False, "--json", help=_("As JSON.")),
) -> None:
    from supportcli.chat import lookup

    found = lookup.kb_search(_kb_index(), " ".join(text), limit if limit >= 0 else None)
    hits = [hit.as_json() for hit in found[:limit]]
    if as_json:
        from supportcli.render.export import json_text

        typer.echo(json_text(hits, indent=2))
        return
    if not hits:
        console.err().print(_("No article matches. Try other words, or ask in `support chat`."))
        raise typer.Exit(1)
    from supportcli.render.human import print_kb_hits

    print_kb_hits(hits)


@kb_app.command(
    "show", help=_("Print one help article."), epilog=examples("support kb show payment-refund-ko")
)
def kb_show(
    slug: str = typer.Argument(..., help=_("The article's name (from kb search).")),
) -> None:
    from supportcli.chat import lookup
    from supportcli.render.human import article

    found = lookup.kb_article(_kb_index(), slug)
    console.out().print(article(found.title, found.body, found.link))


def register(app: typer.Typer) -> None:
    app.command(
        "chat",
        help=_(
            "Chat with the customer center; every message is kept in your history.\n\n"
            "In a pipe, each input line is one message and each answer is printed."
        ),
        epilog=examples(
            "support chat --topic payment",
            "printf '환불하고 싶어요\\n' | support chat",
            "support chat --agent matrix",
            "support chat --wait 12",
        ),
    )(chat)
    app.command(
        "wait",
        help=_(
            "Wait until the counsellor answers a live chat, then ring the bell, show a "
            "desktop notification and print the answer (the same as `support chat --wait`)."
        ),
        epilog=examples("support wait 12 && support chat --resume 12"),
    )(wait_command)
    app.add_typer(kb_app, name="kb")
