"""The browser: the list of inquiries with search and filters, and each inquiry opened
from it (detail.py). `browse()` runs it at the terminal and returns the exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from supportcli.browser import commands
from supportcli.browser.source import Listing, View
from supportcli.browser.table import InquiryTable
from supportcli.errors import SupportError
from supportcli.i18n import _, ngettext
from supportcli.render.human import channel_word, status_word

if TYPE_CHECKING:
    from textual.timer import Timer

# Typing waits this long for the next key before searching: a word typed or pasted in
# one go is searched once, and a single key still shows its results well within 150 ms.
DEBOUNCE_S = 0.02


class ListScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "search", _("Search")),
        Binding("c", "cycle('channel')", _("Channel")),
        Binding("s", "cycle('status')", _("Status")),
        Binding("t", "cycle('topic')", _("Topic")),
        Binding("d", "cycle('period')", _("Dates")),
        Binding("x", "clear", _("Clear filters")),
        Binding("escape", "leave_search", _("Back"), show=False),
        Binding("question_mark", "app.keys", _("Keys")),
        Binding("q", "app.quit", _("Quit")),
    ]
    DEFAULT_CSS = """
    #filters { height: 1; padding: 0 1; background: $boost; }
    #search { display: none; border: none; height: 1; padding: 0 1; }
    #search.shown { display: block; }
    """

    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view
        self.listing = Listing(view)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="filters")
        yield Input(
            value=self.view.search,
            placeholder=_("Words in the subject or messages"),
            id="search",
            classes="shown" if self.view.search else "",
        )
        yield InquiryTable()
        yield Footer()

    def on_mount(self) -> None:
        self.load(self.view)
        self.query_one(InquiryTable).focus()

    def load(self, view: View) -> None:
        """Show the first page of `view` (the next ones come as the cursor nears them)."""
        self.view = view
        self.listing = Listing(view)
        self.query_one(InquiryTable).show(self.listing.more())
        self._say()

    def _say(self) -> None:
        """How many inquiries are shown, then the filters in force, on the top line (the
        count first: at 60 columns the end of the line may be cut)."""
        view, listing = self.view, self.listing
        count = len(listing.rows)
        parts = [ngettext("{n} inquiry", "{n} inquiries", count).format(n=count)]
        parts[0] += "" if listing.done else "+"
        period: str | None = None
        if view.days:
            period = ngettext("{n} day", "{n} days", view.days).format(n=view.days)
        if view.since or view.until:
            period = f"{view.since or ''}…{view.until or ''}"
        for said, value in (
            (_("channel: {value}"), view.channel and channel_word(view.channel)),
            (_("status: {value}"), view.status and status_word(view.status)),
            (_("topic: {value}"), view.topic),
            (_("dates: {value}"), period),
        ):
            if value:
                parts.append(said.format(value=value))
        if listing.problem:
            parts.append(listing.problem)
        elif not count:
            parts.append(_("No inquiries found."))
        elif len(parts) == 1:
            parts.append(_("all inquiries, newest first"))
        self.query_one("#filters", Static).update(Text(" · ".join(parts)))

    def on_inquiry_table_need_more(self, _event: InquiryTable.NeedMore) -> None:
        table = self.query_one(InquiryTable)
        if not self.listing.done and table.near_end():  # once per page, however many asked
            table.extend(self.listing.more())
            self._say()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        inquiry = self.query_one(InquiryTable).current()
        if inquiry is None:
            return
        # Imported here: the conversation's screen and its dialogs (TextArea, rich's
        # console) are not needed for the first screen, which must come fast.
        from supportcli.browser.detail import InquiryScreen

        terminal = cast(HistoryApp, self.app).terminal
        try:
            screen = InquiryScreen(inquiry.id, terminal)
        except SupportError as exc:  # deleted meanwhile by another `support`, say
            self.notify(exc.message, severity="error", markup=False)
            return
        self.app.push_screen(screen, self._back)

    def _back(self, changed: bool | None) -> None:
        if changed:
            row = self.query_one(InquiryTable).cursor_row
            self.load(self.view)
            self.query_one(InquiryTable).move_cursor(row=row, animate=False)

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("shown")
        box.focus()

    def action_leave_search(self) -> None:
        """Esc in the search box: back to the list (the words stay; Esc again clears)."""
        box = self.query_one("#search", Input)
        if self.focused is box or not box.value:
            self.query_one(InquiryTable).focus()
            if not box.value:
                box.remove_class("shown")
            return
        box.value = ""

    def on_key(self, event: events.Key) -> None:
        """A Korean (any non-ASCII) letter typed at the list starts a search with it: the
        ASCII letters are the toggles' keys."""
        char = event.character
        box = self.query_one("#search", Input)
        if char and not char.isascii() and char.isprintable() and self.focused is not box:
            event.stop()
            self.action_search()
            box.insert_text_at_cursor(char)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self._search)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._search()
        self.query_one(InquiryTable).focus()

    def _search(self) -> None:
        text = self.query_one("#search", Input).value
        if text != self.view.search:
            self.load(self.view.searching(text))

    def action_cycle(self, which: str) -> None:
        step = {
            "channel": View.next_channel,
            "status": View.next_status,
            "topic": View.next_topic,
            "period": View.next_period,
        }[which]
        self.load(step(self.view))

    def action_clear(self) -> None:
        self.query_one("#search", Input).value = ""
        self.load(View())


class HistoryApp(App[int]):
    """`support history` at a terminal."""

    TITLE = "support history"
    ENABLE_COMMAND_PALETTE = False
    CSS_PATH = None

    def __init__(self, view: View | None = None, terminal: commands.Terminal | None = None):
        super().__init__()
        self.view = view or View()
        back = _("Press Enter to go back to the history browser.")
        self.terminal = terminal or commands.Suspended(self, back)

    def on_mount(self) -> None:
        self.push_screen(ListScreen(self.view))

    def action_keys(self) -> None:
        """`?`: the keys of the screen in front, with what each does."""
        keys = [(_("↑ ↓ PgUp PgDn"), _("move; a click or the wheel too"))]
        if isinstance(self.screen, ListScreen):
            keys.append((_("Enter"), _("open the inquiry (or click it twice)")))
        for active in self.screen.active_bindings.values():
            if active.binding.description and active.enabled:
                keys.append((self.get_key_display(active.binding), active.binding.description))
        # Imported here: see on_data_table_row_selected.
        from supportcli.browser.dialogs import Keys

        self.push_screen(Keys(keys))

    async def action_quit(self) -> None:
        self.exit(0)


def browse(view: View) -> int:
    return HistoryApp(view).run() or 0
