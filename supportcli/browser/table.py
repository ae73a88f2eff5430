"""The list of inquiries: `support list`'s lines (render.human.inquiry_table) in a
scrolling table, laid out again for the window's width, the next page loaded as the
cursor or the scroll nears the end."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from supportcli.records import Inquiry
from supportcli.render.human import inquiry_table, waiting_on_you

# Rows left below the cursor (or the window) when the next page is asked for.
AHEAD = 5


class InquiryTable(DataTable):  # type: ignore[type-arg]
    """One column holding each inquiry as `list` lays it out, its header as the label."""

    class NeedMore(Message):
        """The end of the loaded rows is near."""

    # A table of rows: Home and End go to the first and the last loaded row.
    BINDINGS = [
        Binding("home", "scroll_top", show=False),
        Binding("end", "scroll_bottom", show=False),
    ]
    DEFAULT_CSS = """
    InquiryTable { height: 1fr; scrollbar-size-horizontal: 0; }
    """

    def __init__(self) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, show_row_labels=False, id="list")
        self.inquiries: list[Inquiry] = []
        self._laid_width = 0

    def show(self, rows: list[Inquiry]) -> None:
        """Replace the rows (a new search or filter): the cursor goes to the top."""
        self.inquiries = list(rows)
        self._layout(keep_cursor=False)

    def extend(self, rows: list[Inquiry]) -> None:
        """Add a page below; the columns are laid out again only when they must grow."""
        if not rows:
            return
        self.inquiries.extend(rows)
        self._layout(keep_cursor=True)

    def current(self) -> Inquiry | None:
        if not self.inquiries or not 0 <= self.cursor_row < len(self.inquiries):
            return None
        return self.inquiries[self.cursor_row]

    def on_resize(self) -> None:
        if self._room() != self._laid_width:
            self._layout(keep_cursor=True)

    def _room(self) -> int:
        return max(self.scrollable_content_region.width - 2, 20)  # the cell's padding

    def _layout(self, *, keep_cursor: bool) -> None:
        """Every loaded row as `list` prints it at this width (the columns sized for the
        rows shown, as `list` sizes them; Korean measured in cells)."""
        row = self.cursor_row if keep_cursor else 0
        width = self._room()
        header, *lines = (line.__rich__() for line in inquiry_table(self.inquiries, width))
        for line, inquiry in zip(lines, self.inquiries, strict=True):
            if waiting_on_you(inquiry):  # the desk has answered: your turn stands out
                line.stylize("bold")
        self.clear(columns=True)
        self.add_column(header, width=width, key="inquiry")
        self.add_rows([line] for line in lines)
        self._laid_width = width
        if self.inquiries:
            self.move_cursor(row=min(row, len(self.inquiries) - 1), animate=False)

    def near_end(self) -> bool:
        """Whether the cursor or the window is within AHEAD rows of the last loaded row."""
        last = max(self.cursor_row, self.scroll_y + self.size.height)
        return last >= len(self.inquiries) - AHEAD

    def watch_cursor_coordinate(self, old, new) -> None:  # type: ignore[no-untyped-def]
        super().watch_cursor_coordinate(old, new)
        if self.near_end():
            self.post_message(self.NeedMore())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.near_end():
            self.post_message(self.NeedMore())
