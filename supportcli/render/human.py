"""Rich rendering for people: tables, transcripts, settings.

Everything users typed is shown as plain Text, never parsed as rich markup, so a subject
like "[red]" or "[/]" prints as itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from supportcli import console
from supportcli.records import Inquiry, Message, Role
from supportcli.text import human_size, local_time, visible

if TYPE_CHECKING:
    from rich.markdown import Markdown

ROLE_STYLE = {"customer": "bold cyan", "agent": "bold green", "system": "dim"}
STATUS_STYLE = {
    "open": "yellow",
    "queued": "yellow",
    "draft": "dim",
    "failed": "red",
    "sent": "blue",
    "answered": "green",
    "resolved": "green",
    "unresolved": "red",
    "escalated": "magenta",
    "closed": "dim",
}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def inquiry_table(rows: list[Inquiry], width: int) -> Table:
    """One line per inquiry. Every column keeps its full width; only the subject is cut
    (with …) to fit the terminal, measured in cells so Korean text lines up."""
    cells = [
        [
            Text(str(row.id)),
            Text(local_time(row.created_at)),
            Text(row.channel),
            Text(row.topic),
            status_text(row.status),
            last_word(row),
        ]
        for row in rows
    ]
    headers = ["ID", "Created", "Channel", "Topic", "Status", "Last word"]
    widths = [
        max([len(h), *(cell_len(line[n].plain) for line in cells)]) for n, h in enumerate(headers)
    ]
    # On a narrow terminal drop the least useful columns before squeezing the subject.
    for header in ("Last word", "Topic", "Channel", "Created"):
        if width - sum(w + 2 for w in widths) >= 16:
            break
        n = headers.index(header)
        del headers[n], widths[n]
        for line in cells:
            del line[n]
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    for header, column in zip(headers, widths, strict=True):
        table.add_column(
            header, no_wrap=True, width=column, justify="right" if header == "ID" else "left"
        )
    room = max(width - sum(w + 2 for w in widths), 8)
    table.add_column("Subject", no_wrap=True, max_width=room)
    for line, row in zip(cells, rows, strict=True):
        subject = Text(one_line(row.subject))
        subject.truncate(room, overflow="ellipsis")
        table.add_row(*line, subject)
    return table


def last_word(row: Inquiry) -> Text:
    """Who spoke last, and when: the agent (waiting on you) or you (waiting on them)."""
    role, stamp = row.last_role, row.last_message_at
    if not role:
        return Text("")
    who = {"agent": "agent", "customer": "you"}.get(role, role)
    return Text(
        f"{who}, {local_time(stamp, relative=True)}", style="green" if role == "agent" else ""
    )


def one_line(text: str) -> str:
    return visible(" ".join(text.split()))


def transcript(record: Inquiry) -> None:
    """Print one inquiry as a conversation."""
    out = console.out()
    title = Text.assemble(
        (f"#{record.id} ", "bold"),
        (f"{record.channel} · ", "dim"),
        (f"{record.topic} · ", "dim"),
        status_text(record.status),
    )
    out.print(title)
    if record.subject:
        out.print(Text(visible(record.subject), style="bold"))
    envelope = record.email
    if envelope is not None:
        out.print(Text(f"From {envelope.sender}  To {', '.join(envelope.to)}", style="dim"))
        if envelope.cc:
            out.print(Text(f"Cc {', '.join(envelope.cc)}", style="dim"))
        if envelope.last_error:
            out.print(Text(f"Last error: {envelope.last_error}", style="red"))
    out.print(Text(f"Created {local_time(record.created_at)}", style="dim"))
    for message in record.messages:
        out.print()
        out.print(
            Text.assemble(
                (message.role, ROLE_STYLE.get(message.role, "")),
                (f"  {local_time(message.created_at)}", "dim"),
            )
        )
        out.print(message_body(message))
    for item in record.attachments:
        out.print(
            Text(
                f"📎 {visible(item.filename)} ({human_size(item.size)}, {item.content_type})",
                style="dim",
            )
        )


def message_body(message: Message) -> Text | Markdown:
    body = message.body
    if message.role == Role.AGENT:
        # Imported here: rich.markdown costs ~40 ms: only for an agent's message.
        from rich.markdown import Markdown

        return Markdown(visible(body), hyperlinks=False)
    return Text(visible(body))


def outbox_table(rows: list[Inquiry]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for header in ("ID", "Status", "Attempts", "To", "Subject", "Last error"):
        table.add_column(
            header,
            no_wrap=header != "Last error",
            justify="right" if header in ("ID", "Attempts") else "left",
        )
    for row in rows:
        envelope = row.email
        table.add_row(
            str(row.id),
            status_text(row.status),
            str(envelope.attempts if envelope else 0),
            Text(", ".join(envelope.to if envelope else [])),
            Text(one_line(row.subject)),
            Text((envelope.last_error if envelope else None) or "", style="red"),
        )
    return table


def kb_hits(hits: list[dict[str, object]]) -> list[Text]:
    """Help articles found for a question (as `kb search --json` gives them): title,
    where it belongs, and its link."""
    lines = []
    for hit in hits:
        lines.append(
            Text.assemble((str(hit["title"]), "bold"), (f"  {hit['topic']} · {hit['slug']}", "dim"))
        )
        lines.append(Text(f"  {hit['link']}", style="blue"))
    return lines


def article(title: str, body: str, link: str) -> Markdown:
    # Imported here: rich.markdown costs ~40 ms: only for an article.
    from rich.markdown import Markdown

    return Markdown(f"# {title}\n\n{body}\n\n{link}", hyperlinks=False)


def topics_table(topics: dict[str, str]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("topic")
    table.add_column("what it covers")
    for name, text in topics.items():
        table.add_row(name, text)
    return table


def settings_table(rows: list[tuple[str, object, str, str]], secrets: dict[str, str]) -> Table:
    """(key, value, where it comes from, environment variable), then password states."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("key", "value", "from", "environment"):
        table.add_column(column)
    for name, value, source, env in rows:
        table.add_row(name, Text("" if value is None else str(value)), source, env)
    for name, state in secrets.items():
        env = "SUPPORT_SMTP_PASSWORD" if name.startswith("smtp") else "SUPPORT_IMAP_PASSWORD"
        table.add_row(name, Text(state, style="dim"), "keyring/env", env)
    return table


def filed_answers(filed: dict[int, int], subjects: dict[int, str]) -> list[Text]:
    """`support sync`: how many answers were filed, per inquiry."""
    return [
        Text(
            f"#{inquiry_id} {subjects[inquiry_id]}: {count} answer{'s' if count > 1 else ''} filed"
        )
        for inquiry_id, count in sorted(filed.items())
    ]
