"""The browser's door to the commands it does not redo: a reply is sent by `support
reply` and a chat continued by `support chat --resume`, each a process of its own (its
own connection, prompts, signals and exit code), exactly as typed at the prompt."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from dataclasses import dataclass
from typing import Protocol


def support(*args: str) -> list[str]:
    """The command line of this same program (the installed one, or the checkout)."""
    return [sys.executable, "-m", "supportcli", *args]


@dataclass
class Done:
    code: int
    said: str  # its last lines on standard error (what it ended with)


def run_piped(args: list[str], text: str) -> Done:
    """A command that needs no terminal, `text` on its standard input."""
    done = subprocess.run(
        support(*args), input=text, capture_output=True, text=True, encoding="utf-8"
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return Done(done.returncode, "\n".join(lines[-3:]))


class Terminal(Protocol):
    """Runs a command that talks with the person (a chat) in the terminal."""

    def run(self, args: list[str]) -> int: ...


class Suspended:
    """The real one: the browser steps aside (Textual's suspend), the command has the
    terminal, and the browser comes back when it ends and Enter is pressed."""

    def __init__(self, app, back: str) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.back = back

    def run(self, args: list[str]) -> int:
        with self.app.suspend():
            code = subprocess.call(support(*args))
            with contextlib.suppress(EOFError, KeyboardInterrupt):
                input(f"\n{self.back}")
        return code
