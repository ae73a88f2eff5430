"""What the browser shows: the filters in force and the list, loaded a page at a time.

The rows come from the same query as `support list` (store.reads, keyset-paged), so a
search here finds what `list -q` finds; nothing here knows Textual."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from supportcli import history
from supportcli.errors import BadInput
from supportcli.records import ALL_STATUSES, STATUSES, Channel, Inquiry
from supportcli.store.reads import Filters
from supportcli.topics import TOPICS

# The first page fills a terminal of 24 rows and more; the later ones, larger, are loaded
# as the cursor or the window nears the end, so a 100,000-inquiry history is never read
# whole. The first is small because it is paid on every keystroke of a search: a word of
# three Korean syllables is confirmed as a phrase inquiry by inquiry (store.reads), ~2 ms
# each on the 100,000-inquiry history.
FIRST_PAGE = 30
PAGE = 100
CHANNELS = (None, *Channel)
TOPIC_NAMES = (None, *TOPICS)
# The date toggle: days back from today (None: any date).
PERIODS = (None, 1, 7, 30, 365)


@dataclass(frozen=True)
class View:
    """The filters of `support list`, as the browser's toggles hold them."""

    channel: str | None = None
    status: str | None = None
    topic: str | None = None
    days: int | None = None
    since: str | None = None  # given on the command line (`--since`), until toggled
    until: str | None = None
    search: str = ""

    def filters(self) -> Filters:
        since = self.since
        if self.days is not None:
            since = (date.today() - timedelta(days=self.days - 1)).isoformat()
        words = self.search if self.search.strip() else None
        return Filters(
            channel=self.channel,
            status=self.status,
            topic=self.topic,
            since=since,
            until=self.until,
            search=words,
            limit=None,
        )

    def next_channel(self) -> View:
        channel = _after(CHANNELS, self.channel)
        keep = self.status if self.status in _statuses(channel) else None
        return replace(self, channel=channel, status=keep)

    def next_status(self) -> View:
        return replace(self, status=_after((None, *_statuses(self.channel)), self.status))

    def next_topic(self) -> View:
        return replace(self, topic=_after(TOPIC_NAMES, self.topic))

    def next_period(self) -> View:
        return replace(self, days=_after(PERIODS, self.days), since=None, until=None)

    def searching(self, text: str) -> View:
        return replace(self, search=text)


def _statuses(channel: str | None) -> tuple[str, ...]:
    return STATUSES[Channel(channel)] if channel else ALL_STATUSES


def _after(choices: tuple, current: object):  # type: ignore[no-untyped-def,type-arg]
    """The choice after `current`, round to the first (None, "all") after the last."""
    try:
        return choices[(choices.index(current) + 1) % len(choices)]
    except ValueError:
        return choices[0]


class Listing:
    """The inquiries of one view, newest first: the pages loaded so far and the cursor
    of the next one."""

    def __init__(self, view: View, first: int = FIRST_PAGE, page: int = PAGE) -> None:
        self.view = view
        self.first, self.size = first, page
        self.rows: list[Inquiry] = []
        self.problem: str | None = None  # a search with nothing to look for, say
        self._after: tuple[str, int] | None = None
        self.done = False

    def more(self) -> list[Inquiry]:
        """The next page (empty when everything is loaded)."""
        if self.done:
            return []
        try:
            size = self.size if self.rows else self.first
            found = history.page(self.view.filters(), self._after, size)
        except BadInput as bad:  # "--search: give at least one letter": shown, not fatal
            self.problem, self.done = bad.message, True
            return []
        self._after = found.after
        self.done = found.after is None
        self.rows.extend(found.rows)
        return found.rows
