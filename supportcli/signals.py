"""SIGTERM and SIGHUP (a closed terminal) handled like Ctrl-C: the work in hand is kept
and the program ends cleanly, with 128 + the signal's number as its exit code. Windows has
no SIGHUP; system.stop_signals() names the ones this platform has."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
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
def stop_signals_interrupt() -> Iterator[None]:
    def raise_terminated(signum: int, _frame: object) -> None:
        stop = Terminated(signum)
        if _end_running_prompt(stop):
            return
        raise stop

    previous = {sig: signal.signal(sig, raise_terminated) for sig in system.stop_signals()}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _end_running_prompt(stop: Terminated) -> bool:
    """A prompt is on screen: end it through its own event loop, so the exception comes out
    of the prompt call. Raised from the handler instead, it can land in one of the
    prompt's background callbacks, which would print a traceback."""
    if "prompt_toolkit" not in sys.modules:
        return False
    from prompt_toolkit.application.current import get_app_or_none

    app = get_app_or_none()
    loop = getattr(app, "loop", None)
    if app is None or not app.is_running or loop is None:
        return False

    def finish() -> None:
        if app.is_running and app.future is not None and not app.future.done():
            app.exit(exception=stop)

    loop.call_soon_threadsafe(finish)
    return True
