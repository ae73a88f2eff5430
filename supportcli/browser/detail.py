"""One inquiry: its conversation as `support show` draws it, and what can be done to it."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from supportcli import history
from supportcli.browser import commands
from supportcli.browser.dialogs import Ask, Choose, Confirm, Write
from supportcli.errors import SupportError
from supportcli.i18n import _, ngettext, tr
from supportcli.records import Channel, EmailStatus, Inquiry
from supportcli.render.human import status_word, transcript
from supportcli.text import human_size, visible_line

URL = re.compile(r"https?://[^\s<>()\"'`]+[^\s<>()\"'`.,;:!?]")


def drawn(record: Inquiry, width: int) -> Text:
    """The conversation as `show` prints it at `width`, links made clickable."""
    buffer = io.StringIO()
    out = Console(
        file=buffer, width=width, force_terminal=True, color_system="truecolor", highlight=False
    )
    transcript(record, out)
    text = Text.from_ansi(buffer.getvalue())
    for found in URL.finditer(text.plain):
        text.stylize(Style(link=found.group(), underline=True), found.start(), found.end())
    return text


class InquiryScreen(Screen[bool]):
    """Dismissed with True when the inquiry changed (or is gone): the list reloads."""

    BINDINGS = [
        Binding("escape", "back", _("Back")),
        Binding("r", "reply", _("Reply")),
        Binding("c", "close", _("Close")),
        Binding("o", "reopen", _("Reopen")),
        Binding("t", "chat", _("Continue chat")),
        Binding("e", "export", _("Export")),
        Binding("a", "attachments", _("Attachments")),
        Binding("l", "links", _("Links")),
        Binding("d", "delete", _("Delete")),
        Binding("question_mark", "app.keys", _("Keys")),
        Binding("q", "app.quit", _("Quit")),
    ]

    def __init__(self, inquiry_id: int, terminal: commands.Terminal) -> None:
        super().__init__()
        self.inquiry_id = inquiry_id
        self.terminal = terminal
        self.unsent = ""
        self.record = history.get(inquiry_id)
        self.changed = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="conversation"):
            yield Static(id="transcript")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#conversation").focus()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(self.query_one("#conversation").scrollable_content_region.width, 20)
        self.query_one("#transcript", Static).update(drawn(self.record, width))

    def _reload(self, said: str | None = None) -> None:
        self.changed = True
        self.record = history.get(self.inquiry_id)
        self._draw()
        self.refresh_bindings()
        if said:
            self.notify(said, markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only what this inquiry allows is offered (the footer shows no dead keys)."""
        email = self.record.channel == Channel.EMAIL
        closed = self.record.status == EmailStatus.CLOSED
        allowed = {
            "reply": email and not closed,
            "close": email and not closed,
            "reopen": closed,
            "chat": not email,
            "attachments": bool(self.record.attachments),
            "links": bool(self._links()),
        }
        return allowed.get(action, True)

    def action_back(self) -> None:
        self.dismiss(self.changed)

    def _do(self, work, *args):  # type: ignore[no-untyped-def]
        """Run one of the history's use cases; its error is shown as a line, not a crash."""
        try:
            return work(*args)
        except SupportError as exc:
            self.notify(exc.message, severity="error", markup=False)
            return None

    def action_close(self) -> None:
        if self._do(history.close, self.inquiry_id) is not None:
            self._reload(tr("Inquiry #{id} is closed.", id=self.inquiry_id))

    def action_reopen(self) -> None:
        status = self._do(history.reopen, self.inquiry_id)
        if status is not None:
            said = tr(
                "Inquiry #{id} is reopened (status {status}).",
                id=self.inquiry_id,
                status=status_word(status),
            )
            self._reload(said)

    def action_delete(self) -> None:
        question = ngettext(
            "Delete {n} inquiry and everything in it?",
            "Delete {n} inquiries and everything in them?",
            1,
        ).format(n=1)

        def answered(yes: bool | None) -> None:
            if yes and self._do(history.delete, [self.inquiry_id]) is not None:
                said = ngettext("Deleted {n} inquiry.", "Deleted {n} inquiries.", 1)
                self.app.notify(said.format(n=1), markup=False)
                self.dismiss(True)

        self.app.push_screen(Confirm(f"#{self.inquiry_id} {question}"), answered)

    def action_export(self) -> None:
        def chosen(path: str | None) -> None:
            if path is None:
                return
            target = Path(path).expanduser()
            if self._do(history.export_one, self.inquiry_id, target) is not None:
                said = ngettext(
                    "Exported {n} inquiry to {path}", "Exported {n} inquiries to {path}", 1
                )
                self.notify(said.format(n=1, path=target), markup=False)

        question = _("Export to which file? (.json, .jsonl, .csv or .md)")
        self.app.push_screen(Ask(question, f"inquiry-{self.inquiry_id}.json"), chosen)

    def action_reply(self) -> None:
        self.app.push_screen(Write(_("Your follow-up"), self.unsent, self._keep), self._send)

    def _keep(self, text: str) -> None:
        self.unsent = text  # written, not sent: offered again at the next r

    def _send(self, body: str | None) -> None:
        if body is None:
            return
        self.unsent = ""
        self.notify(_("Sending…"), markup=False)
        self.run_worker(
            lambda: commands.run_piped(["reply", str(self.inquiry_id), "--body-file", "-"], body),
            thread=True,
            group="reply",
            name="reply",
        )

    def on_worker_state_changed(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.worker.name != "reply" or not event.worker.is_finished:
            return
        done = event.worker.result
        if done is None:
            return
        self._reload()
        # What `support reply` said last (sent, queued, or its error): text, never markup.
        if done.code == 0:
            self.notify(visible_line(done.said), markup=False)
        else:
            self.notify(visible_line(done.said), severity="error", markup=False)

    def action_chat(self) -> None:
        self.terminal.run(["chat", "--resume", str(self.inquiry_id)])
        self._reload()

    def action_attachments(self) -> None:
        lines = []
        for item in self.record.attachments:
            path = self._do(history.attachment_copy, item.sha256)
            lines.append(f"📎 {visible_line(item.filename)} ({human_size(item.size)})\n   {path}")
        hint = _("The private copies: open or copy them from there. Esc: back")
        self.app.push_screen(Choose(_("Attachments"), lines, hint))

    def _links(self) -> list[str]:
        found = []
        for message in self.record.messages:
            found += [m.group() for m in URL.finditer(message.body) if m.group() not in found]
        return found

    def action_links(self) -> None:
        links = self._links()

        def chosen(n: int | None) -> None:
            if n is not None:
                self.app.open_url(links[n])

        hint = _("Enter or a click: open in the browser · Esc: back")
        self.app.push_screen(Choose(_("Links"), links, hint), chosen)
