"""The two faces of a chat: a terminal (prompts, Markdown, a spinner) and a pipe (a line
in is a message, each answer out on standard output)."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

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
        self.lines = StdinLines()

    def read(self) -> str | None:
        return self.lines.next(None)

    def poll(self, wait: float) -> str | None:
        """The next line if one comes within `wait` seconds (a live chat also watches the
        counsellor meanwhile); None otherwise, and after the end of input."""
        return self.lines.next(wait)

    def show_answer(self, text: str, answer: Answer) -> None:
        if sys.stdout.isatty():  # answers quote articles from chat.kb_dir: shown, never obeyed
            text = visible(text)
        sys.stdout.write(text.rstrip("\n") + "\n\n")
        sys.stdout.flush()

    def show_live(self, name: str, text: str) -> None:
        """A counsellor's message: its text on standard output, like an agent's answer."""
        self.show_answer(text, Answer(iter(())))

    def typing(self, names: list[str]) -> None:
        pass  # a pipe shows messages, not moments

    def waiting(self, seconds: float) -> None:
        pass

    def live_screen(self) -> AbstractContextManager[object]:
        return nullcontext()

    def notice(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def wait(self, work: Callable[[], str]) -> str:
        return work()

    def ask_outcome(self) -> tuple[bool, int | None]:  # pragma: no cover - pipes never ask
        return False, None

    def confirm(self, question: str) -> bool:  # pragma: no cover - pipes never ask
        return False


class WaitIO(PipeIO):
    """`support chat --wait`: nothing to read; each answer printed as it is filed, and
    who wrote it kept for the desktop notification."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, str]] = []

    def read(self) -> str | None:
        return None

    def show_live(self, name: str, text: str) -> None:
        self.answers.append((name, text))
        super().show_live(name, text)


class TerminalIO:
    interactive = True
    on_typing: Callable[[], None] | None = None  # a live chat's: the customer is typing

    def read(self) -> str | None:
        # Imported here: questionary (~100 ms) only at a terminal, never in a pipe.
        from supportcli.ui import prompts

        try:
            return prompts.chat_line(self.on_typing)
        except EOFError:  # Ctrl-D
            return "/end"

    def show_answer(self, text: str, answer: Answer) -> None:
        out = console.out()
        out.print(Text(pgettext("role", "agent"), style="bold green"))
        out.print(Markdown(visible(text), hyperlinks=False))
        out.print()

    def show_live(self, name: str, text: str) -> None:
        out = console.out()
        out.print(Text(visible(name), style="bold green"))
        out.print(Markdown(visible(text), hyperlinks=False))
        out.print()

    def typing(self, names: list[str]) -> None:
        if names:
            self.notice(f"{', '.join(names)}: {_('counsellor is typing…')}")

    def waiting(self, seconds: float) -> None:
        self.notice(tr("Waiting for a counsellor: {time} so far", time=_duration(seconds)))

    def live_screen(self) -> AbstractContextManager[object]:
        """While a counsellor's messages can arrive at any moment: what other threads print
        goes above the prompt, which is drawn again below it."""
        # Imported here: prompt_toolkit only at a terminal, in a live chat.
        from prompt_toolkit.patch_stdout import patch_stdout

        return patch_stdout(raw=True)

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
            who = _who(message)
            out.print(
                Text(
                    f"{who}  {shown_time(message.created_at)}",
                    style="bold green" if agent else "bold cyan",
                )
            )
            print_message_body(out, message)
            out.print()


class StdinLines:
    """Standard input's lines, read from the file descriptor: a live chat waits for a line
    and for the counsellor at once (select with a timeout), which sys.stdin's own buffer
    would hide from select; and a thread left blocked in sys.stdin at exit would abort
    the interpreter. Each line is checked as UTF-8 as it is taken."""

    def __init__(self) -> None:
        self.buffer = b""
        self.ended = False
        self.number = 0

    def next(self, wait: float | None) -> str | None:
        while b"\n" not in self.buffer and not self.ended:
            if wait is not None and not _readable(wait):
                return None
            chunk = os.read(sys.stdin.fileno(), 65536)
            self.ended = not chunk
            self.buffer += chunk
        if not self.buffer:
            if wait is not None:
                time.sleep(wait)  # ended: nothing will come; do not spin
            return None
        raw, newline, self.buffer = self.buffer.partition(b"\n")
        self.number += 1
        try:
            return raw.decode("utf-8") + newline.decode()
        except UnicodeDecodeError:
            raise BadInput(
                tr(
                    "standard input line {n} is not valid UTF-8; nothing from it was recorded",
                    n=self.number,
                )
            ) from None


def _readable(wait: float) -> bool:
    # Imported here: only a live chat in a pipe waits on standard input with a timeout.
    import select

    ready, _, _ = select.select([sys.stdin.fileno()], [], [], wait)
    return bool(ready)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    if not minutes:
        return tr("{s} s", s=secs)
    return tr("{m} min {s} s", m=minutes, s=secs)


def _who(message: Message) -> str:
    """A line's speaker: you, the agent, a counsellor by their name, or the handoff note."""
    if message.role == Role.SYSTEM:
        return pgettext("role", "system")
    if message.role != Role.AGENT:
        return pgettext("last word", "you")
    name = (message.meta or {}).get("name")  # a counsellor's display name (live chats)
    return visible(str(name)) if name else pgettext("role", "agent")
