"""Every question asked at the terminal, through questionary (imported only here).

`unsafe_ask` is used throughout: questionary's `ask` swallows Ctrl-C and returns None,
which would turn a cancel into an empty answer. Here Ctrl-C raises KeyboardInterrupt, and
the caller keeps what was typed so far."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import questionary

from supportcli.topics import TOPICS


def text(
    message: str,
    *,
    default: str = "",
    instruction: str | None = None,
    validate: Callable[[str], bool | str] | None = None,
    multiline: bool = False,
) -> str:
    question = questionary.text(
        message, default=default, instruction=instruction, validate=validate, multiline=multiline
    )
    return str(question.unsafe_ask())


def confirm(message: str, *, default: bool = False) -> bool:
    return bool(questionary.confirm(message, default=default).unsafe_ask())


def select(message: str, choices: Sequence[tuple[str, str]], *, default: str | None = None) -> str:
    """Pick one of (value, label) pairs; returns the value."""
    options = [questionary.Choice(title=label, value=value) for value, label in choices]
    chosen = questionary.select(message, choices=options, default=default).unsafe_ask()
    return str(chosen)


def password(message: str) -> str:
    return str(questionary.password(message).unsafe_ask())


def chat_line() -> str:
    """One chat message; Enter sends it."""
    return str(questionary.text("", qmark="나 ›").unsafe_ask())


def choose_topic() -> str:
    return select(
        "무엇에 관한 상담인가요? · What is this about?",
        [(name, f"{name}: {text}") for name, text in TOPICS.items()],
    )


def path(message: str, *, validate: Callable[[str], bool | str] | None = None) -> str:
    """A file path, with completion; empty when the customer is done."""
    return str(questionary.path(message, validate=validate).unsafe_ask())


def ask(label: str, validate: Callable[[str], bool | str]) -> str:
    """One checked line (account.Ask): the customer's name, address or account id."""
    return text(label, validate=validate)
