"""The two faces of a chat: a terminal (prompts, Markdown, a spinner) and a pipe (a line
in is a message, each answer out on standard output)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence

from rich.markdown import Markdown
from rich.text import Text

from supportcli import console
from supportcli.chat.agent import Answer
from supportcli.errors import BadInput
from supportcli.i18n import _, pgettext, tr
from supportcli.records import Message, Role
from supportcli.render.human import print_message_body
from supportcli.text import shown_time, visible

SPINNER_AFTER_S = 0.25


class PipeIO:
    interactive = False

    def __init__(self) -> None:
        self.line_number = 0

    def read(self) -> str | None:
        raw = sys.stdin.buffer.readline()
        if not raw:
            return None
        self.line_number += 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(
                tr(
                    "standard input line {n} is not valid UTF-8; nothing from it was recorded",
                    n=self.line_number,
                )
            ) from None

    def show_answer(self, text: str, answer: Answer) -> None:
        if sys.stdout.isatty():  # answers quote articles from chat.kb_dir: shown, never obeyed
            text = visible(text)
        sys.stdout.write(text.rstrip("\n") + "\n\n")
        sys.stdout.flush()

    def notice(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def wait(self, work: Callable[[], str]) -> str:
        return work()

    def ask_outcome(self) -> tuple[bool, int | None]:  # pragma: no cover - pipes never ask
        return False, None

    def confirm(self, question: str) -> bool:  # pragma: no cover - pipes never ask
        return False


class TerminalIO:
    interactive = True

    def read(self) -> str | None:
        # Imported here: questionary (~100 ms) only at a terminal, never in a pipe.
        from supportcli.ui import prompts

        try:
            return prompts.chat_line()
        except EOFError:  # Ctrl-D
            return "/end"

    def show_answer(self, text: str, answer: Answer) -> None:
        out = console.out()
        out.print(Text(pgettext("role", "agent"), style="bold green"))
        out.print(Markdown(visible(text), hyperlinks=False))
        out.print()

    def notice(self, text: str) -> None:
        console.out().print(Text(text, style="dim"))

    def wait(self, work: Callable[[], str]) -> str:
        """Run the agent; show a spinner only if it takes longer than a moment."""
        result: dict[str, object] = {}

        def target() -> None:
            try:
                result["value"] = work()
            except BaseException as exc:  # handed back to the main thread below
                result["error"] = exc

        worker = threading.Thread(target=target, daemon=True)
        worker.start()
        worker.join(SPINNER_AFTER_S)
        if worker.is_alive():
            with console.out().status(_("The agent is typing…")):
                while worker.is_alive():
                    worker.join(0.1)
        if "error" in result:
            raise result["error"]  # type: ignore[misc]
        return str(result["value"])

    def ask_outcome(self) -> tuple[bool, int | None]:
        # Imported here: questionary (~100 ms) only at a terminal, never in a pipe.
        from supportcli.ui import prompts

        solved = prompts.confirm(_("Was your problem solved?"), default=True)
        rating = prompts.select(
            _("How would you rate this chat?"),
            [
                ("5", "5 ★★★★★"),
                ("4", "4 ★★★★"),
                ("3", "3 ★★★"),
                ("2", "2 ★★"),
                ("1", "1 ★"),
                ("", _("skip")),
            ],
        )
        return solved, int(rating) if rating else None

    def confirm(self, question: str) -> bool:
        # Imported here: questionary (~100 ms) only at a terminal, never in a pipe.
        from supportcli.ui import prompts

        return prompts.confirm(question)

    def welcome(self, earlier: Sequence[Message]) -> None:
        """The conversation so far when resuming; otherwise how to start."""
        self.show_transcript(earlier)
        if not earlier:
            self.notice(_("Write your question; /help lists the commands."))

    def show_transcript(self, messages: Sequence[Message]) -> None:
        out = console.out()
        for message in messages:
            agent = message.role == Role.AGENT
            who = pgettext("role", "agent") if agent else pgettext("last word", "you")
            out.print(
                Text(
                    f"{who}  {shown_time(message.created_at)}",
                    style="bold green" if agent else "bold cyan",
                )
            )
            print_message_body(out, message)
            out.print()
