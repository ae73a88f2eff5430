"""list (history), show, export, delete."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from supportcli import console
from supportcli.cli import checked_ids, examples
from supportcli.errors import BadInput
from supportcli.i18n import N_, _, ngettext, tr

CHANNEL = typer.Option(None, "--channel", help=_("chat or email."))
STATUS = typer.Option(
    None,
    "--status",
    help=_(
        "open, resolved, unresolved, escalated, draft, queued, sent, failed, answered or closed."
    ),
)
TOPIC = typer.Option(None, "--topic", help=_("account, payment, usage or other."))
SINCE = typer.Option(None, "--since", help=_("Created on or after DATE (ISO 8601)."))
UNTIL = typer.Option(None, "--until", help=_("Created on or before DATE (ISO 8601)."))
SEARCH = typer.Option(
    None,
    "-q",
    "--search",
    help=_("Words in the subject or messages; Korean fragments too (결제 finds 결제했는데)."),
)


def _filters(channel, status, topic, since, until, search, limit):  # type: ignore[no-untyped-def]
    from supportcli.store.reads import Filters

    return Filters(
        channel=channel,
        status=status,
        topic=topic,
        since=since,
        until=until,
        search=search,
        limit=limit,
    )


def list_cmd(
    channel: str | None = CHANNEL,
    status: str | None = STATUS,
    topic: str | None = TOPIC,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    search: str | None = SEARCH,
    limit: int = typer.Option(20, "-n", "--limit", help=_("How many, newest first (0: all).")),
    as_json: bool = typer.Option(False, "--json", help=_("One JSON array, for scripts.")),
) -> None:
    from supportcli import history

    rows = history.list_inquiries(_filters(channel, status, topic, since, until, search, limit))
    if as_json:
        from supportcli.render.export import list_json

        typer.echo(list_json(rows))
        return
    if not rows:
        console.err().print(
            _("No inquiries found.")
            if any((channel, status, topic, since, until, search))
            else _("No inquiries yet. Start one with `support chat` or `support email`.")
        )
        return
    from supportcli.render.human import print_inquiries

    print_inquiries(rows)


def history_cmd(
    channel: str | None = CHANNEL,
    status: str | None = STATUS,
    topic: str | None = TOPIC,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    search: str | None = SEARCH,
    limit: int | None = typer.Option(
        None, "-n", "--limit", help=_("How many, newest first (0: all); prints the table.")
    ),
    as_json: bool = typer.Option(False, "--json", help=_("One JSON array, for scripts.")),
) -> None:
    if as_json or limit is not None or not (console.interactive() and sys.stdout.isatty()):
        limit = 20 if limit is None else limit
        list_cmd(channel, status, topic, since, until, search, limit, as_json)
        return
    from supportcli.browser.source import View

    _filters(channel, status, topic, since, until, search, None).check().where()  # one line
    view = View(channel, status, topic, None, since, until, search or "")
    # Imported here, and only here: Textual costs ~250 ms, which no other command pays.
    from supportcli.browser.app import browse

    code = browse(view)
    if code:
        raise typer.Exit(code)


def show(
    inquiry_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help=_("The inquiry's id.")
    ),
    as_json: bool = typer.Option(False, "--json", help=_("The whole record as JSON.")),
    raw: int | None = typer.Option(
        None,
        "--raw",
        metavar="N",
        min=1,
        help=_(
            "Print the original bytes of message N (numbered as `show` lists them) as "
            "they arrived by mail, e.g. to save an answer: support show 42 --raw 2 > answer.eml"
        ),
    ),
) -> None:
    from supportcli import history

    if raw is not None:
        history.write_raw(inquiry_id, raw, sys.stdout.buffer)
        return
    record = history.get(inquiry_id)
    if as_json:
        from supportcli.render.export import dumps

        typer.echo(dumps(record, indent=2))
        return
    from supportcli.render.human import transcript

    transcript(record)


def export(
    fmt: str | None = typer.Option(
        None, "--format", "-f", help=_("json (the default), jsonl, csv or markdown.")
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help=_("Write to PATH (a new 0600 file, or a device or FIFO) instead of standard output."),
    ),
    force: bool = typer.Option(
        False, "--force", help=_("Replace PATH if it is an existing file (never a symlink).")
    ),
    csv_raw: bool = typer.Option(
        False,
        "--csv-raw",
        help=_(
            "CSV cells exactly as stored. By default a cell starting with = + - @ tab or "
            "CR gets a leading ' so that a spreadsheet never runs it as a formula."
        ),
    ),
    excel: bool = typer.Option(
        False,
        "--excel",
        help=_(
            "CSV for Excel (on Korean Windows too): UTF-8 with a byte-order mark, rows "
            "ended by CR LF. Implies --format csv."
        ),
    ),
    channel: str | None = CHANNEL,
    status: str | None = STATUS,
    topic: str | None = TOPIC,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    search: str | None = SEARCH,
    limit: int = typer.Option(0, "-n", "--limit", help=_("At most N, newest first (0: all).")),
) -> None:
    from supportcli import history

    if excel and fmt not in (None, "csv"):
        raise BadInput(_("--excel writes CSV: leave out --format, or use --format csv"))
    fmt = "csv" if excel else fmt or "json"
    if output is not None and not force:
        force = _may_replace(output)
    count = history.export(
        _filters(channel, status, topic, since, until, search, limit),
        fmt,
        output,
        replace=force,
        csv_raw=csv_raw,
        excel=excel,
    )
    if output is not None:
        console.err().print(
            console.plain(
                ngettext(
                    "Exported {n} inquiry to {path}", "Exported {n} inquiries to {path}", count
                ).format(n=count, path=output)
            )
        )


def _may_replace(output: Path) -> bool:
    """At a terminal, an existing file is replaced after a yes; elsewhere only --force does."""
    from supportcli import outfile

    if not console.interactive() or outfile.kind(output.expanduser()) != outfile.Kind.FILE:
        return False
    from supportcli.ui import prompts

    if not prompts.confirm(tr("{path} exists. Replace it?", path=output)):
        raise typer.Exit(0)
    return True


def delete(
    ids: list[int] = typer.Argument(
        ..., metavar="ID...", callback=checked_ids, help=_("Inquiries to delete.")
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Do not ask for confirmation.")),
) -> None:
    from supportcli import history

    if not yes:
        if not console.interactive():
            raise BadInput(_("deleting needs confirmation: pass --yes"))
        from supportcli.ui import prompts

        question = ngettext(
            "Delete {n} inquiry and everything in it?",
            "Delete {n} inquiries and everything in them?",
            len(ids),
        )
        if not prompts.confirm(question.format(n=len(ids))):
            raise typer.Exit(0)
    count = history.delete(ids)
    console.err().print(
        ngettext("Deleted {n} inquiry.", "Deleted {n} inquiries.", count).format(n=count)
    )


def close(
    inquiry_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help=_("The email inquiry.")
    ),
) -> None:
    from supportcli import history

    history.close(inquiry_id)
    console.err().print(tr("Inquiry #{id} is closed.", id=inquiry_id))


def reopen(
    inquiry_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help=_("A closed inquiry.")
    ),
) -> None:
    from supportcli import history
    from supportcli.render.human import status_word

    status = history.reopen(inquiry_id)
    meaning = REOPENED.get(status)
    if meaning:
        said = tr(
            "Inquiry #{id} is reopened (status {status}: {meaning}).",
            id=inquiry_id,
            status=status_word(status),
            meaning=_(meaning),
        )
    else:
        said = tr(
            "Inquiry #{id} is reopened (status {status}).",
            id=inquiry_id,
            status=status_word(status),
        )
    console.err().print(said)


# What the status an inquiry returns to means: "is sent again" read as if the mail had
# gone out a second time.
REOPENED = {
    "sent": N_("waiting for the desk's answer; nothing was sent again"),
    "answered": N_("the desk has answered"),
    "queued": N_("waiting in the outbox"),
    "failed": N_("not sent; see `support outbox`"),
    "draft": N_("a draft, not sent"),
}


def register(app: typer.Typer) -> None:
    list_help = _("List chats and email inquiries, newest first.")
    app.command(
        "list",
        help=list_help,
        epilog=examples(
            "support list --search 환불", "support list --channel email --status queued --json"
        ),
    )(list_cmd)
    app.command(
        "history",
        help=_(
            "Browse the history full-screen at a terminal: search as you type, filter, "
            "open, reply, close, export. Piped, or with --json or -n, the same table as "
            "`support list`."
        ),
        epilog=examples("support history", "support history --since 2026-11-01 | less"),
    )(history_cmd)
    app.command(
        "show",
        help=_("Show one inquiry with its whole conversation."),
        epilog=examples("support show 42 --json", "support show 42 --raw 2 > answer.eml"),
    )(show)
    app.command(
        "export",
        help=_("Export inquiries with their messages, for scripts and backups."),
        epilog=examples(
            "support export --format jsonl -o all.jsonl",
            "support export --format markdown --search 결제",
            "support export --excel -o 문의.csv",
        ),
    )(export)
    app.command(
        "delete",
        help=_("Delete inquiries with their messages and attachments."),
        epilog=examples("support delete 41 42 --yes"),
    )(delete)
    app.command(
        "close",
        help=_("Close an email inquiry (its answer came, or you no longer need one)."),
        epilog=examples("support close 12"),
    )(close)
    app.command(
        "reopen",
        help=_("Reopen a closed inquiry: it returns to the status it had."),
        epilog=examples("support reopen 12"),
    )(reopen)
