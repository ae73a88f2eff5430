"""What a terminal shows: a program in a pseudo-terminal of a given size, its output fed
through a real terminal emulator (pyte), so a test reads the screen as a person sees it."""

from __future__ import annotations

import os
import sys

import pexpect
import pyte


class Terminal:
    def __init__(self, *args: str, rows: int, cols: int, env: dict[str, str]) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "supportcli", *args],
            env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", **env},
            encoding="utf-8",
            timeout=20,
            dimensions=(rows, cols),
        )

    def expect(self, pattern: str) -> None:
        """Wait for `pattern` in the output; everything up to it is drawn on the screen."""
        self.child.expect(pattern)
        self.stream.feed(self.child.before + self.child.after + self.child.buffer)
        self.child.buffer = ""  # drawn already; what comes next is read by settle()

    def settle(self, text: str) -> list[str]:
        """Wait until `text` is drawn whole on some row, then return the screen's rows."""
        while not any(text in row for row in self.rows()):
            self.stream.feed(self.child.read_nonblocking(65536, timeout=20))
        return self.rows()

    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]
