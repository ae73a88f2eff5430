"""email, outbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from supportcli import console
from supportcli.cli import checked_ids, examples
from supportcli.errors import BadInput
from supportcli.i18n import _, particles, tr
from supportcli.text import visible

if TYPE_CHECKING:  # for annotations only: command bodies import what they run
    from supportcli.config import Settings
    from supportcli.mail.outbox import Result
    from supportcli.mail.service import EmailRequest, Outcome

outbox_app = typer.Typer(
    help=_("Email inquiries waiting to be sent: drafts, queued, failed."),
    invoke_without_command=True,
    epilog=examples("support outbox", "support outbox send"),
)
ATTACH = _("Attach a file; repeat for more.")
PII = _(
    "Personal data found (resident numbers, card numbers...): mask it, keep it, or refuse "
    "to send (exit 2). Default: the setting pii.mode, whose `ask` asks at a terminal and "
    "refuses without one."
)


def email(
    to: list[str] = typer.Option([], "--to", help=_("Recipient (default desk.email).")),
    cc: list[str] = typer.Option([], "--cc", help=_("Copy to ADDR; repeat for more.")),
    topic: str | None = typer.Option(None, "--topic", help=_("account, payment, usage or other.")),
    subject: str | None = typer.Option(None, "--subject", help=_("The subject line.")),
    body: str | None = typer.Option(None, "--body", help=_("The message text.")),
    body_file: str | None = typer.Option(
        None,
        "--body-file",
        metavar="PATH",
        help=_("Read the message from PATH, or - for stdin."),
    ),
    attach: list[Path] = typer.Option([], "--attach", help=ATTACH),
    from_chat: int | None = typer.Option(
        None,
        "--from-chat",
        metavar="ID",
        callback=checked_ids,
        help=_("Start from a chat's transcript."),
    ),
    draft: bool = typer.Option(False, "--draft", help=_("Save as a draft; send nothing.")),
    dry_run: bool = typer.Option(
        False, "--dry-run", help=_("Print the exact message; record and send nothing.")
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Send without the review step.")),
    edit: int | None = typer.Option(
        None, "--edit", metavar="ID", callback=checked_ids, help=_("Reopen a draft.")
    ),
    pii: str | None = typer.Option(None, "--pii", metavar="MODE", help=PII),
) -> None:
    from supportcli.config import Settings
    from supportcli.mail import service

    request = service.EmailRequest(
        to=to,
        cc=cc,
        topic=topic,
        subject=subject,
        body=_body(body, body_file),
        attach=[str(p) for p in attach],
        from_chat=from_chat,
        draft=draft,
        dry_run=dry_run,
        yes=yes,
        edit=edit,
        pii=pii,
    )
    settings = Settings.load()
    if console.interactive() and not dry_run and not draft:
        code = compose_at_terminal(request, settings)
        if code:
            raise typer.Exit(code)
        return
    if edit is not None:
        raise BadInput(
            _("--edit needs a terminal; without one, send the draft with `support outbox send ID`")
        )
    composed = service.compose_flags(request, settings)
    if dry_run:
        sys.stdout.buffer.write(service.dry_run(composed, pii=pii, settings=settings))
        sys.stdout.flush()
        return
    if draft:  # a draft stays on this machine: the guard runs when it is sent
        say_outcome(service.submit(composed, draft=True, settings=settings))
        return
    say_outcome(service.submit_flags(composed, pii=pii, settings=settings))


def compose_at_terminal(request: EmailRequest, settings: Settings | None = None) -> int:
    """The composer at a terminal; returns the exit code (a signal's when stopped)."""
    from supportcli.config import Settings
    from supportcli.mail import privacy, service
    from supportcli.signals import stop_signals_interrupt
    from supportcli.ui import prompts
    from supportcli.ui.composer import Composer
    from supportcli.ui.interrupt import end_running_prompt

    settings = settings or Settings.load()
    composer = Composer(
        limit_mb=service.attachment_limit_mb(settings),
        pii_mode=privacy.mode_of(request.pii, settings),
    )
    with stop_signals_interrupt(end_running_prompt):
        outcome = service.interactive_email(request, settings, composer=composer, ask=prompts.ask)
    return say_outcome(outcome)


def say_outcome(outcome: Outcome) -> int:
    """What became of an inquiry, on standard error; `email N` last. Returns the exit code."""
    from supportcli.signals import exit_code

    n = outcome.inquiry_id
    code = 0 if outcome.interrupt is None else exit_code(outcome.interrupt)
    if outcome.kind == "sent":
        _say(tr("Sent inquiry #{id}.", id=n))
        _say_personal_data(outcome)
        for addr, reason in outcome.refused.items():
            _say(tr("warning: the server refused {address}: {reason}", address=addr, reason=reason))
    elif outcome.kind == "draft":
        _say(
            tr(
                "Saved draft #{id}; send it with `support outbox send {id}` or "
                "edit it with `support email --edit {id}`",
                id=n,
            )
        )
    elif n is None:
        _say("\n" + _("Stopped before anything was written; nothing to keep."))
        return code
    else:
        _say(
            "\n"
            + tr(
                "Stopped. What you wrote is saved as draft #{id}; continue with "
                "`support email --edit {id}`",
                id=n,
            )
        )
    _say(f"email {n}")  # the last line scripts read: never translated
    return code


def _say_personal_data(outcome: Outcome) -> None:
    """What the personal-data guard did, in kinds and counts (never the values)."""
    if not outcome.pii:
        return
    from supportcli.mail.privacy import kinds_line

    if outcome.pii.get("masked"):
        _say(tr("Masked before sending: {kinds}", kinds=kinds_line(outcome.pii["masked"])))
    if outcome.pii.get("kept"):
        _say(tr("Sent as written: {kinds}", kinds=kinds_line(outcome.pii["kept"])))


def _say(line: str) -> None:
    # Server replies and stored names reach this line: shown, never obeyed.
    print(visible(particles(line)), file=sys.stderr, flush=True)


def reply(
    inquiry_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help=_("The email inquiry.")
    ),
    body: str | None = typer.Option(None, "--body", help=_("The follow-up text.")),
    body_file: str | None = typer.Option(
        None, "--body-file", metavar="PATH", help=_("Read it from PATH, or - for stdin.")
    ),
    attach: list[Path] = typer.Option([], "--attach", help=ATTACH),
    pii: str | None = typer.Option(None, "--pii", metavar="MODE", help=PII),
) -> None:
    from supportcli.config import Settings
    from supportcli.mail import service

    text = _body(body, body_file)
    files = [str(p) for p in attach]
    if not console.interactive():
        say_outcome(service.reply(inquiry_id, text, files, Settings.load(), pii=pii))
        return
    from supportcli.mail.guard import EditFirst
    from supportcli.ui import privacy

    while True:
        if text is None:
            text = _ask_follow_up()
        try:
            outcome = service.reply(
                inquiry_id, text, files, Settings.load(), pii=pii, ask=privacy.ask
            )
        except EditFirst:
            text = _ask_follow_up(text)
            continue
        say_outcome(outcome)
        return


def _ask_follow_up(default: str = "") -> str:
    from supportcli.ui import prompts
    from supportcli.ui.composer import MULTILINE_HINT

    # The question on its own line: the typing area gets the terminal's width.
    console.out().print(f"? {_('Your follow-up')}  {MULTILINE_HINT}")
    return prompts.long_text(default=default)


def sync(
    as_json: bool = typer.Option(False, "--json", help=_("As JSON, for scripts.")),
    retry: bool = typer.Option(
        False,
        "--retry",
        help=_(
            "Try again to file the messages an earlier sync kept unread, from their kept "
            "originals (the mailbox is not read)."
        ),
    ),
) -> None:
    from supportcli.config import Settings
    from supportcli.mail import answers
    from supportcli.store.db import connect

    run = answers.retry if retry else answers.sync
    report = run(connect(), Settings.load())
    if as_json:
        from supportcli.render.export import json_text

        typer.echo(json_text(report.as_json(), indent=2))
        return
    from supportcli.render.human import filed_answers, kept_unread

    if not report.filed:
        console.err().print(_("No new answers."))
    for line in filed_answers(report.filed, report.subjects, report.unverified):
        console.out().print(line)
    if report.unread:
        for line in kept_unread(report.unread):
            console.err().print(line)


def _body(body: str | None, body_file: str | None) -> str | None:
    if body is not None and body_file is not None:
        raise BadInput(_("--body and --body-file: give only one"))
    if body_file is None:
        return body
    try:
        data = sys.stdin.buffer.read() if body_file == "-" else Path(body_file).read_bytes()
    except OSError as exc:
        raise BadInput(
            tr("--body-file: cannot read {path}: {reason}", path=body_file, reason=exc.strerror)
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(tr("--body-file: {path} is not UTF-8 text", path=body_file)) from None
    return text.removeprefix("\ufeff")


@outbox_app.callback()
def outbox(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=_("As JSON."))
) -> None:
    """List drafts, queued and failed inquiries (the help is outbox_app's)."""
    if ctx.invoked_subcommand is not None:
        return
    from supportcli.mail.outbox import list_outbox
    from supportcli.store.db import connect

    rows = list_outbox(connect())
    if as_json:
        from supportcli.render.export import list_json

        typer.echo(list_json(rows))
        return
    if not rows:
        console.err().print(_("The outbox is empty."))
        return
    from supportcli.render.human import outbox_table

    out = console.out()
    out.print(outbox_table(rows, out.width))


@outbox_app.command(
    "send",
    help=_("Send what waits in the outbox over one connection, each with its Message-ID."),
    epilog=examples(
        "support outbox send", "support outbox send 12", "support outbox send 12 --resend"
    ),
)
def outbox_send(
    ids: list[int] = typer.Argument(
        None, metavar="[ID]...", callback=checked_ids, help=_("Only these (drafts too).")
    ),
    resend: bool = typer.Option(
        False,
        "--resend",
        help=_(
            "Send these again although a killed `outbox send` may have sent them already "
            "(check your Sent folder first)."
        ),
    ),
    pii: str | None = typer.Option(
        None,
        "--pii",
        metavar="MODE",
        help=_(
            "A draft holding personal data: mask it, keep it, or refuse to send it (exit 2). "
            "Default: the setting pii.mode; `ask` refuses here (review a draft with "
            "`support email --edit ID`)."
        ),
    ),
) -> None:
    from supportcli.config import Settings
    from supportcli.mail import service

    settings = Settings.load()
    ids = ids or []
    from supportcli.ui.progress import sending_progress

    with sending_progress(enabled=len(ids) != 1) as progress:
        results = service.send_outbox(ids, settings, progress=progress, resend=resend, pii=pii)
    worth_a_line = [r for r in results if r.status != "sent" or r.refused]
    for result in results if len(results) <= 5 else worth_a_line:
        _print_result(result)
    if len(results) > 5:
        _say(
            tr(
                "Sent {sent} of {total} inquiries.",
                sent=len(results) - len(worth_a_line),
                total=len(results),
            )
        )
    if not results:
        console.err().print(_("Nothing to send."))
    code = service.outbox_exit(results)
    if code:
        raise typer.Exit(code)


def _print_result(result: Result) -> None:
    from supportcli.render.human import status_word

    line = f"#{result.inquiry_id} {status_word(result.status)}"
    if result.reason:
        line += f": {result.reason}"
    if result.hint:
        line += f" ({result.hint})"
    _say(line)
    for addr, reason in result.refused.items():
        _say(
            tr(
                "warning: #{id}: the server refused {address}: {reason}",
                id=result.inquiry_id,
                address=addr,
                reason=reason,
            )
        )


def register(app: typer.Typer) -> None:
    app.command(
        "email",
        help=_("Write an email inquiry to the customer center, review it, and send it."),
        epilog=examples(
            "support email",
            "support email --subject '환불 요청' --body-file 내용.txt --attach 영수증.pdf",
            "support email --from-chat 12",
        ),
    )(email)
    app.add_typer(outbox_app, name="outbox")
    app.command(
        "reply",
        help=_("Send a follow-up in the same thread (In-Reply-To and References set)."),
        epilog=examples(
            "support reply 12 --body '추가로 캡처를 첨부합니다' --attach 화면.png",
            "support reply 12 --body-file -",
        ),
    )(reply)
    app.command(
        "sync",
        help=_("Read your mailbox over IMAP and file every answer into its inquiry."),
        epilog=examples("support sync", "support sync --json", "support sync --retry"),
    )(sync)
