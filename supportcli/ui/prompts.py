"""Every question asked at the terminal, through questionary (imported only here).

`unsafe_ask` is used throughout: questionary's `ask` swallows Ctrl-C and returns None,
which would turn a cancel into an empty answer. Here Ctrl-C raises KeyboardInterrupt, and
the caller keeps what was typed so far."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import questionary
from prompt_toolkit.utils import get_cwidth

from supportcli.i18n import _
from supportcli.topics import TOPICS
from supportcli.ui.wordwrap import WordWrap


def text(
    message: str,
    *,
    default: str = "",
    instruction: str | None = None,
    validate: Callable[[str], bool | str] | None = None,
    multiline: bool = False,
    keep: Callable[[str], None] | None = None,
) -> str:
    """One answer. `keep` is handed what was typed when Ctrl-C or a signal ends the
    prompt, before the interrupt goes on: the field being typed is kept with the rest."""
    question = questionary.text(
        message, default=default, instruction=instruction, validate=validate, multiline=multiline
    )
    return _asked(question, keep)


def long_text(*, default: str = "", keep: Callable[[str], None] | None = None) -> str:
    """A multi-line answer whose question is already on screen (the caller prints it,
    wrapped to the terminal): the typing area gets the terminal's whole width. Inside
    prompt_toolkit, a long question would take that width from every line of the answer,
    and a question wider than the terminal draws an empty screen."""
    # instruction="" (not None): questionary would add its own long one. Each row starts
    # with the mark and two spaces ("›" + " {message} " with no message).
    question = questionary.text(
        "",
        qmark="›",
        default=default,
        instruction="",
        multiline=True,
        input_processors=[WordWrap(prefix=get_cwidth("›  "))],
    )
    return _asked(question, keep)


def _asked(question: questionary.Question, keep: Callable[[str], None] | None) -> str:
    try:
        return str(question.unsafe_ask())
    except KeyboardInterrupt:
        if keep is not None:  # the buffer still holds the text after its app ended
            keep(question.application.current_buffer.text)
        raise


def confirm(message: str, *, default: bool = False) -> bool:
    return bool(questionary.confirm(message, default=default).unsafe_ask())


def select(message: str, choices: Sequence[tuple[str, str]], *, default: str | None = None) -> str:
    """Pick one of (value, label) pairs; returns the value."""
    options = [questionary.Choice(title=label, value=value) for value, label in choices]
    # questionary's own "(Use arrow keys)", in our language.
    chosen = questionary.select(
        message, choices=options, default=default, instruction=_("(Use arrow keys)")
    ).unsafe_ask()
    return str(chosen)


def password(message: str) -> str:
    return str(questionary.password(message).unsafe_ask())


def chat_line(on_typing: Callable[[], None] | None = None) -> str:
    """One chat message; Enter sends it. `on_typing` is called at each change of the
    text being typed (a live chat tells the counsellor)."""
    question = questionary.text("", qmark=_("you ›"))
    if on_typing is not None:
        question.application.current_buffer.on_text_changed += lambda _buffer: on_typing()
    return str(question.unsafe_ask())


def choose_topic() -> str:
    return select(
        _("What is this about?"),
        [(name, f"{name}: {_(text)}") for name, text in TOPICS.items()],
    )


def path(message: str, *, validate: Callable[[str], bool | str] | None = None) -> str:
    """A file path, with completion; empty when the customer is done."""
    return str(questionary.path(message, validate=validate).unsafe_ask())


def ask(label: str, validate: Callable[[str], bool | str]) -> str:
    """One checked line (account.Ask): the customer's name, address or account id."""
    return text(label, validate=validate)


def checkbox(message: str, choices: Sequence[tuple[str, str]]) -> list[str]:
    """Pick any of (value, label) pairs (Space marks one, Enter ends); returns the values."""
    options = [questionary.Choice(title=label, value=value) for value, label in choices]
    chosen = questionary.checkbox(
        message, choices=options, instruction=_("(Space: mark, Enter: done)")
    ).unsafe_ask()
    return [str(value) for value in chosen or []]
