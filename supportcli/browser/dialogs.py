"""The browser's small windows: a yes/no question, a line to type (a file path), the
follow-up to write, the keys (?), and a list of lines to read or choose from."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static, TextArea

from supportcli.i18n import _

Result = TypeVar("Result")


class Dialog(ModalScreen[Result]):
    """A window over the screen, in the middle, bordered."""

    SCOPED_CSS = False  # these rules reach the widgets inside every dialog
    DEFAULT_CSS = """
ModalScreen { align: center middle; }
ModalScreen > Vertical {
    width: 90%; max-width: 100; height: auto; max-height: 90%;
    border: round $accent; padding: 0 1; background: $surface;
}
ModalScreen TextArea { height: 8; }
ModalScreen OptionList { height: auto; max-height: 16; }
.hint { color: $text-muted; }
"""


class Confirm(Dialog[bool]):
    """A question answered with y or n (Esc: no)."""

    BINDINGS = [
        Binding("y", "answer(True)", _("Yes")),
        Binding("n,escape", "answer(False)", _("No")),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question))
            yield Static(Text(_("y: yes · n or Esc: no")), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Ask(Dialog[str | None]):
    """One line to type (Enter: done; Esc: cancel)."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question))
            yield Input(value=self.value, id="answer")
            yield Static(Text(_("Enter: done · Esc: cancel")), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Write(Dialog[str | None]):
    """Several lines to write (Ctrl+S: send; Esc: cancel)."""

    BINDINGS = [
        Binding("ctrl+s", "done", _("Send")),
        Binding("escape", "cancel", _("Cancel")),
    ]

    def __init__(self, title: str, text: str = "", keep: Callable[[str], None] | None = None):
        super().__init__()
        self.title_text, self.text, self.keep = title, text, keep

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text))
            yield TextArea(self.text, id="body", soft_wrap=True, show_line_numbers=False)
            yield Static(Text(_("Ctrl+S: send · Esc: cancel")), classes="hint")

    def action_done(self) -> None:
        body = self.query_one(TextArea).text
        self.dismiss(body if body.strip() else None)

    def action_cancel(self) -> None:
        """What was written is handed to `keep`: Esc by mistake loses nothing."""
        if self.keep is not None:
            self.keep(self.query_one(TextArea).text)
        self.dismiss(None)


class Choose(Dialog[int | None]):
    """Lines to read, one of which may be chosen with Enter or a click (Esc: back)."""

    BINDINGS = [Binding("escape,q", "cancel", _("Back"))]

    def __init__(self, title: str, lines: list[str], hint: str) -> None:
        super().__init__()
        self.title_text, self.lines, self.hint = title, lines, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            yield OptionList(*(Text(line) for line in self.lines), id="choices")
            yield Static(Text(self.hint), classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Keys(Dialog[None]):
    """`?`: every key of the screen below, with what it does."""

    BINDINGS = [Binding("escape,q,question_mark", "close", _("Back"))]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _said in self.keys), default=0) + 2
        lines = Text()
        for key, said in self.keys:
            lines.append(key.ljust(width), style="bold")
            lines.append(said + "\n")
        with Vertical():
            yield Static(Text(_("Keys"), style="bold"))
            yield Static(lines)
            yield Static(Text(_("Esc, q or ?: back")), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
