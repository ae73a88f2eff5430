"""list (history), show, export, delete."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from supportcli import console
from supportcli.cli import checked_ids
from supportcli.errors import BadInput

CHANNEL = typer.Option(None, "--channel", help="chat or email.")
STATUS = typer.Option(
    None,
    "--status",
    help="open, resolved, unresolved, escalated, draft, queued, sent, failed, answered or closed.",
)
TOPIC = typer.Option(None, "--topic", help="account, payment, usage or other.")
SINCE = typer.Option(None, "--since", help="Created on or after DATE (ISO 8601).")
UNTIL = typer.Option(None, "--until", help="Created on or before DATE (ISO 8601).")
SEARCH = typer.Option(
    None,
    "-q",
    "--search",
    help="Words in the subject or messages; Korean fragments too (결제 finds 결제했는데).",
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
    limit: int = typer.Option(20, "-n", "--limit", help="How many, newest first (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, for scripts."),
) -> None:
    """List chats and email inquiries, newest first."""
    from supportcli import history

    rows = history.list_inquiries(_filters(channel, status, topic, since, until, search, limit))
    if as_json:
        from supportcli.render.export import list_json

        typer.echo(list_json(rows))
        return
    if not rows:
        console.err().print(
            "No inquiries found."
            if any((channel, status, topic, since, until, search))
            else "No inquiries yet. Start one with `support chat` or `support email`."
        )
        return
    from supportcli.render.human import print_inquiries

    print_inquiries(rows)


def show(
    inquiry_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help="The inquiry's id."
    ),
    as_json: bool = typer.Option(False, "--json", help="The whole record as JSON."),
    raw: int | None = typer.Option(
        None,
        "--raw",
        metavar="N",
        min=1,
        help="Print the original bytes of message N (numbered as `show` lists them) as "
        "they arrived by mail, e.g. to save an answer: support show 42 --raw 2 > answer.eml",
    ),
) -> None:
    """Show one inquiry with its whole conversation."""
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
        None, "--format", "-f", help="json (the default), jsonl, csv or markdown."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write to PATH (a new 0600 file, or a device or FIFO) instead of standard output.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace PATH if it is an existing file (never a symlink)."
    ),
    csv_raw: bool = typer.Option(
        False,
        "--csv-raw",
        help="CSV cells exactly as stored. By default a cell starting with = + - @ tab or "
        "CR gets a leading ' so that a spreadsheet never runs it as a formula.",
    ),
    excel: bool = typer.Option(
        False,
        "--excel",
        help="CSV for Excel (on Korean Windows too): UTF-8 with a byte-order mark, rows "
        "ended by CR LF. Implies --format csv.",
    ),
    channel: str | None = CHANNEL,
    status: str | None = STATUS,
    topic: str | None = TOPIC,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    search: str | None = SEARCH,
    limit: int = typer.Option(0, "-n", "--limit", help="At most N, newest first (0: all)."),
) -> None:
    """Export inquiries with their messages, for scripts and backups."""
    from supportcli import history

    if excel and fmt not in (None, "csv"):
        raise BadInput("--excel writes CSV: leave out --format, or use --format csv")
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
        console.err().print(f"Exported {count} inquiries to {output}")


def _may_replace(output: Path) -> bool:
    """At a terminal, an existing file is replaced after a yes; elsewhere only --force does."""
    from supportcli import outfile

    if not console.interactive() or outfile.kind(output.expanduser()) != outfile.Kind.FILE:
        return False
    from supportcli.ui import prompts

    if not prompts.confirm(f"{output} exists. Replace it?"):
        raise typer.Exit(0)
    return True


def delete(
    ids: list[int] = typer.Argument(
        ..., metavar="ID...", callback=checked_ids, help="Inquiries to delete."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete inquiries with their messages and attachments."""
    from supportcli import history

    if not yes:
        if not console.interactive():
            raise BadInput("deleting needs confirmation: pass --yes")
        from supportcli.ui import prompts

        if not prompts.confirm(f"Delete {len(ids)} inquiries and everything in them?"):
            raise typer.Exit(0)
    count = history.delete(ids)
    console.err().print(f"Deleted {count} inquiries.")


def close(
    inquiry_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help="The email inquiry."
    ),
) -> None:
    """Close an email inquiry (its answer came, or you no longer need one)."""
    from supportcli import history

    history.close(inquiry_id)
    console.err().print(f"Inquiry #{inquiry_id} is closed.")


def reopen(
    inquiry_id: int = typer.Argument(
        ..., metavar="ID", callback=checked_ids, help="A closed inquiry."
    ),
) -> None:
    """Reopen a closed inquiry: it returns to the status it had."""
    from supportcli import history

    status = history.reopen(inquiry_id)
    meaning = REOPENED.get(status)
    console.err().print(
        f"Inquiry #{inquiry_id} is reopened (status {status}{': ' + meaning if meaning else ''})."
    )


# What the status an inquiry returns to means: "is sent again" read as if the mail had
# gone out a second time.
REOPENED = {
    "sent": "waiting for the desk's answer; nothing was sent again",
    "answered": "the desk has answered",
    "queued": "waiting in the outbox",
    "failed": "not sent; see `support outbox`",
    "draft": "a draft, not sent",
}


def register(app: typer.Typer) -> None:
    app.command(
        "list",
        epilog="Examples: support list --search 환불 · "
        "support list --channel email --status queued --json",
    )(list_cmd)
    app.command(
        "history",
        help="Same as `support list`.",
        epilog="Example: support history --since 2026-11-01",
    )(list_cmd)
    app.command(
        "show", epilog="Examples: support show 42 --json · support show 42 --raw 2 > answer.eml"
    )(show)
    app.command(
        "export",
        epilog="Examples: support export --format jsonl -o all.jsonl · "
        "support export --format markdown --search 결제 · "
        "support export --excel -o 문의.csv",
    )(export)
    app.command("delete", epilog="Example: support delete 41 42 --yes")(delete)
    app.command("close", epilog="Example: support close 12")(close)
    app.command("reopen", epilog="Example: support reopen 12")(reopen)
