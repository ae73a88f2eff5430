"""SIGTERM and SIGHUP (a closed terminal) handled like Ctrl-C: the work in hand is kept
and the program ends cleanly, with 128 + the signal's number as its exit code. Windows has
no SIGHUP; system.stop_signals() names the ones this platform has."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from supportcli import system


class Terminated(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return interrupt.exit_code if isinstance(interrupt, Terminated) else 130


@contextmanager
def stop_signals_interrupt(
    end_prompt: Callable[[Terminated], bool] | None = None,
) -> Iterator[None]:
    """`end_prompt` ends a prompt on screen with the signal (see ui/interrupt.py) and says
    whether there was one; otherwise the signal is raised where the program is."""

    def raise_terminated(signum: int, _frame: object) -> None:
        stop = Terminated(signum)
        if end_prompt is not None and end_prompt(stop):
            return
        raise stop

    previous = {sig: signal.signal(sig, raise_terminated) for sig in system.stop_signals()}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
