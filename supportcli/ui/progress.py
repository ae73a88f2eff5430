"""Progress bars for sending several inquiries and importing a help center (only on a
terminal)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from supportcli import console
from supportcli.i18n import _


@contextmanager
def sending_progress(*, enabled: bool) -> Iterator[Callable[[object], None] | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    # Imported here: rich.progress only for a bar on a terminal.
    from rich.progress import Progress

    with Progress(console=console.err(), transient=True) as bar:
        task = bar.add_task(_("Sending"), total=None)

        def advance(_: object) -> None:
            bar.advance(task)

        yield advance


@contextmanager
def import_progress(label: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """A bar of articles done out of the total (when the source says it), on stderr."""
    if not sys.stderr.isatty():
        yield None
        return
    # Imported here: rich.progress only for a bar on a terminal.
    from rich.progress import Progress

    with Progress(console=console.err(), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update
