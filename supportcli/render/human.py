"""Rich rendering for people: tables, transcripts, settings.

Everything users typed is shown as plain Text, never parsed as rich markup, so a subject
like "[red]" or "[/]" prints as itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len

from supportcli import console
from supportcli.i18n import N_, NP_, _, ngettext, pgettext, tr
from supportcli.render import styled
from supportcli.render.columns import fit, pad, screen_rows, wrap
from supportcli.render.styled import Styled as Text
from supportcli.text import human_size, shown_time, visible, visible_line

if TYPE_CHECKING:
    from rich.console import Console, Group
    from rich.markdown import Markdown
    from rich.table import Table

    from supportcli.mailrecords import UnreadMail
    from supportcli.records import Attachment, Inquiry, Message

# `list` and `show` print through styled.Writer (rich's console and Markdown cost more
# than the rest of such a read); `Text` here is styled.Styled, which rich prints too.
# Other tables import rich where they are built.

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


# Status, role and channel words as people read them (JSON keeps the English values),
# translated where they are shown.
STATUS_WORDS = (
    NP_("status", "open"),
    NP_("status", "resolved"),
    NP_("status", "unresolved"),
    NP_("status", "escalated"),
    NP_("status", "draft"),
    NP_("status", "queued"),
    NP_("status", "sent"),
    NP_("status", "failed"),
    NP_("status", "answered"),
    NP_("status", "closed"),
)
ROLE_WORDS = (NP_("role", "customer"), NP_("role", "agent"), NP_("role", "system"))
CHANNEL_WORDS = (NP_("channel", "chat"), NP_("channel", "email"))


def status_word(status: str) -> str:
    return pgettext("status", status) if status in STATUS_WORDS else status


def role_word(role: str) -> str:
    return pgettext("role", role) if role in ROLE_WORDS else role


def channel_word(channel: str) -> str:
    return pgettext("channel", channel) if channel in CHANNEL_WORDS else channel


def status_text(status: str) -> Text:
    return Text(status_word(status), style=STATUS_STYLE.get(status, ""))


# The columns of `support list`. Always shown: the id, the status and who spoke last
# (who is waiting), and the subject in the room that is left. The others are added, most
# useful first, only while the subject keeps at least SUBJECT_CELLS cells (15 Korean
# characters): the topic, then the date (the last word already says how recent), then the
# channel (the status names it: chats are open/resolved/unresolved/escalated). So at 60
# columns: ID Status Last-word Subject; at 80: with Topic; at 100 and more: everything.
ALWAYS = ("ID", "Status", "Last word")
OPTIONAL = ("Topic", "Created", "Channel")
ORDER = ("ID", "Created", "Channel", "Topic", "Status", "Last word")
HEADERS = {
    "ID": N_("ID"),
    "Created": N_("Created"),
    "Channel": N_("Channel"),
    "Topic": N_("Topic"),
    "Status": N_("Status"),
    "Last word": N_("Last word"),
    "Subject": N_("Subject"),
}
SUBJECT_CELLS = 30
GAP = 2


def print_inquiries(rows: list[Inquiry]) -> None:
    """`support list`'s table on standard output."""
    out = styled.writer()
    if out is not None:
        out.lines(inquiry_table(rows, out.width))
        return
    from rich.console import Group  # Imported here: only where rich must print it

    rich_out = console.out()
    rich_out.print(Group(*inquiry_table(rows, rich_out.width)))


def inquiry_table(rows: list[Inquiry], width: int) -> list[Text]:
    """One line per inquiry, never wider than `width` (measured in cells)."""
    cells = [_cells(row) for row in rows]
    header = {name: Text(_(HEADERS[name])) for name in ORDER}
    widths = {
        name: max([cell_len(header[name].plain), *(cell_len(line[name].plain) for line in cells)])
        for name in ORDER
    }
    shown = list(ALWAYS)
    for name in OPTIONAL:
        used = sum(widths[n] + GAP for n in shown) + widths[name] + GAP
        if width - used < SUBJECT_CELLS:
            break
        shown.append(name)
    columns = [name for name in ORDER if name in shown]
    room = max(width - sum(widths[n] + GAP for n in columns), 8)
    lines = [_line(header, columns, widths, Text(_(HEADERS["Subject"])), style="bold")]
    for line, row in zip(cells, rows, strict=True):
        lines.append(_line(line, columns, widths, Text(fit(one_line(row.subject), room))))
    return lines


def _cells(row: Inquiry) -> dict[str, Text]:
    return {
        "ID": Text(str(row.id)),
        "Created": Text(shown_time(row.created_at)),
        "Channel": Text(channel_word(row.channel)),
        "Topic": Text(row.topic),
        "Status": status_text(row.status),
        "Last word": last_word(row),
    }


def _line(
    cells: dict[str, Text], columns: list[str], widths: dict[str, int], last: Text, style: str = ""
) -> Text:
    line = Text(style=style, no_wrap=True, overflow="crop")
    for name in columns:
        cell = cells[name]
        right = name in ("ID", "Attempts")
        line.append(pad(cell.plain, widths[name], right=right), style=cell.style)
        line.append(" " * GAP)
    line.append_text(last)
    line.rstrip()
    return line


def waiting_on_you(row: Inquiry) -> bool:
    """Whether the desk has spoken last and the inquiry is still going: your turn."""
    return row.last_role == "agent" and row.status in ("open", "answered")


def last_word(row: Inquiry) -> Text:
    """Who spoke last, and when: the agent (waiting on you) or you (waiting on them)."""
    role, stamp = row.last_role, row.last_message_at
    if not role:
        return Text("")
    who = {"agent": pgettext("last word", "agent"), "customer": pgettext("last word", "you")}
    return Text(
        tr("{who}, {when}", who=who.get(role, role), when=shown_time(stamp, relative=True)),
        style="green" if role == "agent" else "",
    )


def one_line(text: str) -> str:
    return visible(" ".join(text.split()))


def transcript(record: Inquiry, out: Console | styled.Writer | None = None) -> None:
    """Print one inquiry as a conversation (to standard output, or to `out`: the
    history browser draws it into its own console)."""
    out = out or styled.writer() or console.out()
    title = Text.assemble(
        (f"#{record.id} ", "bold"),
        (f"{channel_word(record.channel)} · ", "dim"),
        (f"{record.topic} · ", "dim"),
        status_text(record.status),
    )
    out.print(title)
    if record.subject:
        out.print(Text(visible(record.subject), style="bold"))
    envelope = record.email
    if envelope is not None:
        to = ", ".join(envelope.to)
        said = tr("From {sender}  To {to}", sender=envelope.sender, to=to)
        out.print(Text(visible(said), style="dim"))
        if envelope.cc:
            out.print(Text(visible(tr("Cc {cc}", cc=", ".join(envelope.cc))), style="dim"))
        if envelope.last_error:
            said = tr("Last error: {error}", error=envelope.last_error)
            out.print(Text(visible(said), style="red"))
    out.print(Text(tr("Created {when}", when=shown_time(record.created_at)), style="dim"))
    files: dict[int | None, list[Attachment]] = {}
    for item in record.attachments:
        files.setdefault(item.message_id, []).append(item)
    for number, message in enumerate(record.messages, 1):
        out.print()
        out.print(message_heading(record.id, number, message))
        print_message_body(out, message, chat_agent=record.agent)
        for item in files.pop(message.id, ()):
            out.print(attachment_line(item))
    for rest in files.values():  # kept without a message (none should be)
        for item in rest:
            out.print(attachment_line(item))


def attachment_line(item: Attachment) -> Text:
    return Text(
        f"{' ' * BODY_INDENT}📎 {visible_line(item.filename)} "
        f"({human_size(item.size)}, {visible_line(item.content_type)})",
        style="dim",
    )


def message_heading(inquiry_id: int, number: int, message: Message) -> Text:
    """The line that starts a turn, at the left edge where no body line can be (bodies
    are indented by BODY_INDENT), so stored text cannot pass for a new turn: `[N] role
    time`, and for a message that came by mail who sent it: a stranger's
    answer says so on its own line, as do parts left out of it (the number is the one
    `show --raw N` takes)."""
    line = Text.assemble(
        (f"[{number}] ", "dim"),
        (role_word(message.role), ROLE_STYLE.get(message.role, "")),
        (f"  {shown_time(message.created_at)}", "dim"),
    )
    meta = message.meta or {}
    sender = str(meta.get("from") or message.sender or "")
    if sender:  # an answer by mail (one filed before issue 13 has its From in meta only)
        line.append("  " + tr("from {sender}", sender=visible_line(one_line(sender))), style="dim")
    if message.verified is False:
        line.append(
            "\n⚠ " + _("unverified: not from the desk's address (desk.email, desk.answer_from)"),
            style="bold yellow",
        )
    notes = meta.get("notes")
    for note in notes if isinstance(notes, list) else ():
        line.append(f"\n… {visible_line(str(note))}", style="yellow")
    line.append_text(_personal_data(meta.get("pii")))
    if message.raw_sha256:
        command = f"support show {inquiry_id} --raw {number}"
        line.append("\n" + tr("original: {command}", command=command), style="dim")
    return line


def _personal_data(found: object) -> Text:
    """What the personal-data guard did before the message went out (kinds and counts;
    the values are never kept)."""
    # Imported here: `support list` renders through this module and needs no detector.
    from supportcli.pii import label

    said = Text()
    if not isinstance(found, dict):
        return said
    for key, words in (("masked", _("masked before sending")), ("kept", _("sent as written"))):
        counts = found.get(key)
        if isinstance(counts, dict) and counts:
            kinds = ", ".join(f"{label(str(k))} ×{n}" for k, n in sorted(counts.items()))
            said.append(f"\n🔒 {words}: {kinds}", style="dim")
    return said


# Above this, an agent's message is shown as plain text: Markdown's parse and layout of a
# huge answer (a long mail filed by `sync`) costs far more than its formatting is worth.
MARKDOWN_LIMIT = 200_000
# Every body line starts this far in, so only turn headers start at the left edge.
BODY_INDENT = 2


def is_markdown(message: Message, chat_agent: str | None = None) -> bool:
    """Only the help-center agent writes Markdown. Everything a person wrote (the
    customer, an answer that came by mail, a live counsellor) is shown as the text it is,
    its line breaks and asterisks kept. A kb answer says so in its meta; one stored
    without meta is the kb agent's when its chat is."""
    # "agent" is records.Role.AGENT, named as text: `kb search` prints through this module
    # and never needs the records.
    if message.role != "agent" or len(message.body) > MARKDOWN_LIMIT:
        return False
    meta = message.meta or {}
    return meta.get("agent", chat_agent if not meta else None) == "kb"


def print_message_body(
    out: Console | styled.Writer, message: Message, *, chat_agent: str | None = None
) -> None:
    if is_markdown(message, chat_agent):
        plain = styled.paragraphs(visible(message.body))
        if plain is not None and isinstance(out, styled.Writer):
            out.paragraphs(plain, BODY_INDENT)  # as rich's Markdown shows mere paragraphs
            return
        # Imported here: rich.markdown costs ~40 ms: only for an agent's message.
        from rich.markdown import Markdown
        from rich.padding import Padding

        if isinstance(out, styled.Writer):
            out = console.out()

        out.print(
            Padding(Markdown(visible(message.body), hyperlinks=False), (0, 0, 0, BODY_INDENT))
        )
    else:
        print_plain(out, message.body)


def print_plain(out: Console | styled.Writer, body: str) -> None:
    """Stored text as plain lines, shown and never obeyed, in time linear in its size,
    each line indented and wrapped to the width here (columns.screen_rows), not by rich.

    rich renders a Text as one segment holding all its lines and then splits it at each
    newline by copying the rest: quadratic (a 5 MB body took 54 s in `show`); and its
    wrapping of one long line costs ~60 µs a screen row (a 20 MB line of words took 15 s).
    Plain text needs neither: a line that fits is written as it is, a longer one is cut
    into rows between words, measured in cells."""
    width = max(out.width - BODY_INDENT, 8)
    lines: list[str] = []
    for line in visible(body).split("\n"):
        if "\t" in line:
            line = line.expandtabs(8)
        if len(line) * 2 <= width:
            lines.append(line)
        else:
            lines.extend(screen_rows(line, width))
        if len(lines) >= WRITE_BATCH:
            _write_lines(out, lines)
    _write_lines(out, lines)


WRITE_BATCH = 10_000  # rows per write: few system calls, and memory stays flat


def _write_lines(out: Console | styled.Writer, lines: list[str]) -> None:
    if lines:
        indent = " " * BODY_INDENT
        out.file.write(indent + f"\n{indent}".join(lines) + "\n")
        lines.clear()


OUTBOX = ("ID", "Status", "Attempts", "To")
OUTBOX_HEADERS = {"Attempts": N_("Attempts"), "To": N_("To")}
TO_CELLS = 24  # an address longer than this is cut with …; the subject takes the rest


def outbox_table(rows: list[Inquiry], width: int) -> Group:
    """`support outbox`: one line per inquiry in `width` cells (the subject gives way,
    never the id or the status), its last error on the line below. rich's table squeezed
    every column at 60 columns and cut a Korean status to "발송 …"."""
    from rich.console import Group  # Imported here, as for every rich table

    label = {**HEADERS, **OUTBOX_HEADERS}
    header = {name: Text(_(label[name])) for name in OUTBOX}
    cells = []
    for row in rows:
        envelope = row.email
        to = one_line(", ".join(envelope.to if envelope else []))
        cells.append(
            {
                "ID": Text(str(row.id)),
                "Status": status_text(row.status),
                "Attempts": Text(str(envelope.attempts if envelope else 0)),
                "To": Text(fit(to, TO_CELLS)),
            }
        )
    widths = {
        name: max([cell_len(header[name].plain), *(cell_len(c[name].plain) for c in cells)])
        for name in OUTBOX
    }
    room = max(width - sum(widths[n] + GAP for n in OUTBOX), 8)
    columns = list(OUTBOX)
    lines = [_line(header, columns, widths, Text(_(HEADERS["Subject"])), style="bold")]
    for line, row in zip(cells, rows, strict=True):
        lines.append(_line(line, columns, widths, Text(fit(one_line(row.subject), room))))
        error = row.email.last_error if row.email else None
        if error:
            said = tr("Last error: {error}", error=one_line(error))
            lines.append(Text(fit("  " + said, width), style="red"))
    return Group(*lines)


def print_kb_hits(hits: list[dict[str, object]]) -> None:
    """`support kb search`'s lines on standard output, each as rich's console prints it
    (through styled.Writer: rich's console costs more to import than the search)."""
    out = styled.writer() or console.out()
    for line in kb_hits(hits):
        out.print(line)


def kb_hits(hits: list[dict[str, object]]) -> list[Text]:
    """Help articles found for a question (as `kb search --json` gives them): title,
    where it belongs, and its link."""
    lines = []
    for hit in hits:
        lines.append(
            Text.assemble(
                (one_line(str(hit["title"])), "bold"),
                ("  " + one_line(f"{hit['topic']} · {hit['slug']}"), "dim"),
            )
        )
        lines.append(Text(one_line(f"  {hit['link']}"), style="blue"))
    return lines


def article(title: str, body: str, link: str) -> Markdown:
    # Imported here: rich.markdown costs ~40 ms: only for an article.
    from rich.markdown import Markdown

    text = f"# {one_line(title)}\n\n{visible(body)}\n\n{one_line(link)}"
    return Markdown(text, hyperlinks=False)


def topics_table(topics: dict[str, str], width: int) -> Group:
    """Each topic and what it covers, the description wrapped between words (a Korean
    word is never cut) in the room beside the names."""
    from rich.console import Group  # Imported here: see outbox_table

    title = _("topic")
    names = max([cell_len(title), *map(len, topics)]) + GAP
    room = max(width - names, 20)
    lines = [Text(pad(title, names) + _("what it covers"), style="bold")]
    for name, text in topics.items():
        for n, part in enumerate(wrap(_(text), room) or [""]):
            lines.append(Text(pad(name if n == 0 else "", names) + part, no_wrap=True))
    return Group(*lines)


def settings_table(rows: list[tuple[str, object, str, str]], secrets: dict[str, str]) -> Table:
    """(key, value, where it comes from, environment variable), then password states."""
    from rich.table import Table  # Imported here: see outbox_table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in (_("key"), _("value"), _("from"), _("environment")):
        table.add_column(column)
    for name, value, source, env in rows:
        shown = "" if value is None else visible(str(value))
        table.add_row(name, Text(shown), _(SOURCE_WORDS.get(source, source)), env)
    for name, state in secrets.items():
        env = "SUPPORT_SMTP_PASSWORD" if name.startswith("smtp") else "SUPPORT_IMAP_PASSWORD"
        table.add_row(name, Text(_(state), style="dim"), _("keyring/env"), env)
    return table


# Where a setting's value comes from (config.Settings.source), and whether a password is
# stored (account.password_state), as `config show` says it; its JSON keeps the English.
SOURCE_WORDS = {"env": N_("env"), "file": N_("file"), "default": N_("default")}
PASSWORD_WORDS = (N_("set"), N_("not set"))


def filed_answers(
    filed: dict[int, int], subjects: dict[int, str], unverified: dict[int, int] | None = None
) -> list[Text]:
    """`support sync`: how many answers were filed, per inquiry (and how many of them are
    not from the desk's address)."""
    lines = []
    for inquiry_id, count in sorted(filed.items()):
        filed_n = ngettext("{n} answer filed", "{n} answers filed", count).format(n=count)
        line = Text(f"#{inquiry_id} {one_line(subjects[inquiry_id])}: {filed_n}")
        strangers = (unverified or {}).get(inquiry_id, 0)
        if strangers:
            said = tr("({n} unverified: not from the desk)", n=strangers)
            line.append(" " + said, style="yellow")
        lines.append(line)
    return lines


def kept_unread(unread: list[UnreadMail]) -> list[Text]:
    """`support sync`: the messages it could not file, each kept whole, and why."""
    said = ngettext(
        "{n} message kept unread (each kept whole; `support sync --retry` tries again):",
        "{n} messages kept unread (each kept whole; `support sync --retry` tries again):",
        len(unread),
    )
    lines = [Text(said.format(n=len(unread)), style="yellow")]
    for item in unread:
        lines.append(Text(f"  UID {item.uid}: {visible_line(one_line(item.reason))}"))
    return lines
