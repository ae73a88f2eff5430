"""Ending a prompt that is on screen when SIGTERM or SIGHUP arrives (see signals.py)."""

from __future__ import annotations

import sys

from supportcli.signals import Terminated


def end_running_prompt(stop: Terminated) -> bool:
    """A prompt is on screen: end it through its own event loop, so the exception comes out
    of the prompt call. Raised from the handler instead, it can land in one of the
    prompt's background callbacks, which would print a traceback."""
    if "prompt_toolkit" not in sys.modules:  # no prompt was ever shown: nothing to end
        return False
    # Imported here: prompt_toolkit is loaded already when a prompt is on screen.
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
