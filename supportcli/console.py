"""The program's surroundings: whether we may ask questions, and the two consoles.

Kept in one place so tests and pseudo-terminals see one consistent answer."""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def interactive() -> bool:
    """True when standard input is a terminal: only then may a command ask questions."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        return False


def debug() -> bool:
    return os.environ.get("SUPPORT_DEBUG", "") not in ("", "0")


@cache
def out() -> Console:
    return _console()(highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    return _console()(stderr=True, highlight=False)


@cache
def _console() -> type[Console]:
    # Imported here: rich only when something is printed.
    from rich.console import Console

    class Quiet(Console):
        """rich answers a closed pipe (`support show 1 | head -1`) with exit status 1; a
        reader that has seen enough is not a failure, so the error goes on to the one
        handler in cli/root.py, which ends every command quietly with 0."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return Quiet


def plain(text: str):  # type: ignore[no-untyped-def]
    """`text` exactly as it is, never read as rich markup (so "[red]" prints as itself)."""
    # Imported here: rich only when something is printed.
    from rich.text import Text

    return Text(text)
