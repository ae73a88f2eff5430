"""The chat session loop. It knows nothing of terminals: it reads customer lines from a
`ChatIO` and shows answers through it, so the same loop serves a terminal, a pipe and the
tests. Every message, the customer's and the agent's, is committed to the history before
it is shown and before the next line is read: a killed process loses nothing on screen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from supportcli import outfile, pii
from supportcli.chat.agent import Agent, Answer, Turn, load_agent
from supportcli.config import Settings
from supportcli.errors import BadInput, StorageError
from supportcli.i18n import N_, _, tr
from supportcli.records import Channel, ChatStatus, Event
from supportcli.render.export import markdown_transcript
from supportcli.rescue import rescue
from supportcli.store import reads, writes
from supportcli.store.db import checkpoint, transaction
from supportcli.store.dialect import Database
from supportcli.text import one_clean_line

HELP = N_("""Commands:
  /help              this list
  /email             turn this chat into an email inquiry: it asks what is still
                     wrong, and carries a short transcript of this chat
  /save PATH         save the transcript as Markdown (a new file; an existing one is
                     replaced after a yes, or with /save --force PATH)
  /human             hand this chat to a counsellor (a person), who answers here
  /end               end the chat (in a pipe: /end solved 5 or /end unsolved 2)
Start a message with // to send text that begins with /.""")

SUBJECT_CHARS = 80

# Turns a chat into an email draft carrying its transcript; returns the draft's id.
MakeEmail = Callable[[Database, int], int]


class ChatIO(Protocol):
    interactive: bool

    def read(self) -> str | None: ...

    def show_answer(self, text: str, answer: Answer) -> None: ...

    def show_live(self, name: str, text: str) -> None: ...

    def typing(self, names: list[str]) -> None: ...

    def waiting(self, seconds: float) -> None: ...

    def live_screen(self) -> AbstractContextManager[object]: ...

    def notice(self, text: str) -> None: ...

    def wait(self, work: Callable[[], str]) -> str: ...

    def ask_outcome(self) -> tuple[bool, int | None]: ...

    def confirm(self, question: str) -> bool: ...


@dataclass
class Outcome:
    """How a session ended: `eof` (input ended or interrupted), `end`, or `email`."""

    how: str
    email_id: int | None = None


@dataclass
class ChatSession:
    db: Database
    inquiry_id: int
    agent: Agent
    topic: str
    io: ChatIO
    make_email: MakeEmail
    conversation: list[Turn] = field(default_factory=list)
    status: str = ChatStatus.OPEN

    @classmethod
    def load(cls, db: Database, inquiry_id: int, **kwargs: object) -> ChatSession:
        record = reads.get_record(db, inquiry_id)
        if record.channel != Channel.CHAT:
            raise BadInput(
                tr("--resume: inquiry {id} is an email inquiry, not a chat", id=inquiry_id)
            )
        turns = [Turn(m.role, m.body) for m in record.messages]
        return cls(
            db=db,
            inquiry_id=inquiry_id,
            topic=record.topic,
            conversation=turns,
            status=record.status,
            **kwargs,  # type: ignore[arg-type]
        )

    def run(self) -> Outcome:
        try:
            return self._loop()
        finally:
            checkpoint(self.db)

    def _loop(self) -> Outcome:
        if getattr(self.agent, "live", False):
            outcome = self.agent.run_live(self)  # type: ignore[attr-defined]
            if outcome is not None:
                return outcome
            self.agent = load_agent("kb", Settings.load())  # no counsellor: kb goes on
        if self.conversation and self.conversation[-1].role == "customer":
            self._answer()  # the process stopped before it could answer last time
        while True:
            line = self.io.read()
            if line is None:
                return Outcome("eof")
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if line.startswith("/") and not line.startswith("//"):
                outcome = self.command(line)
                if outcome is not None:
                    return outcome
                continue
            self.say(line[1:] if line.startswith("//") else line)

    def say(self, text: str) -> None:
        """Record the customer's message, then the agent's answer, then show it."""
        self.record(text)
        self._answer()

    def record(self, text: str) -> None:
        """Commit the customer's message (the first one names the chat)."""
        first = not any(turn.role == "customer" for turn in self.conversation)
        try:
            with transaction(self.db):
                writes.add_message(self.db, inquiry_id=self.inquiry_id, role="customer", body=text)
                if first:
                    writes.update_inquiry(self.db, self.inquiry_id, subject=_subject(text))
        except (OSError, StorageError) as exc:
            raise rescue(text, _("your message"), exc) from exc
        self.conversation.append(Turn("customer", text))
        self._warn_personal(text)

    def _warn_personal(self, text: str) -> None:
        """A customer line holding personal data is kept (the chat stays on this machine,
        in the history), but they are told, before it could travel in an email."""
        found = Counter(f.kind for f in pii.scan(text))
        if found:
            kinds = ", ".join(f"{pii.label(k)} ×{n}" for k, n in sorted(found.items()))
            self.io.notice(
                "⚠ "
                + tr(
                    "Careful: this message holds personal data ({kinds}). It is kept in "
                    "your chat history on this machine; better not to share it here. An "
                    "email made from this chat asks before sending it.",
                    kinds=kinds,
                )
            )

    def _answer(self) -> None:
        answer: Answer | None = None

        def work() -> str:
            nonlocal answer
            answer = self.agent.answer(self.conversation, topic=self.topic)
            return "".join(answer.pieces)

        body = self.io.wait(work)
        assert answer is not None
        meta = {
            "agent": self.agent.name,
            "helpful": answer.helpful,
            "citations": [{"title": c.title, "link": c.link} for c in answer.citations],
        }
        writes.add_message(self.db, inquiry_id=self.inquiry_id, role="agent", body=body, meta=meta)
        self.conversation.append(Turn("agent", body))
        self.io.show_answer(body, answer)

    def command(self, line: str) -> Outcome | None:
        name, _, rest = line.strip().partition(" ")
        handler = {
            "/help": self._help,
            "/email": self._email,
            "/save": self._save,
            "/end": self._end,
            "/human": self._human,
        }.get(name.lower())
        if handler is None:
            self.io.notice(tr("Unknown command {name}. Type /help for the list.", name=name))
            return None
        return handler(rest.strip())

    def _human(self, rest: str) -> Outcome | None:
        """Hand the chat to a counsellor; back to this agent when none can be reached."""
        try:
            agent = load_agent("matrix", Settings.load())
        except BadInput as missing:  # a setting not made yet: the chat goes on as it was
            self.io.notice(missing.message)
            return None
        before, self.agent = self.agent, agent
        outcome = agent.run_live(self)  # type: ignore[attr-defined]
        if outcome is None:
            self.agent = before
        return outcome

    def _help(self, rest: str) -> None:
        self.io.notice(_(HELP))

    def _save(self, where: str) -> None:
        force, where = _force_flag(where)
        if not where:
            self.io.notice(_("Usage: /save PATH  (for example /save 상담기록.md)"))
            return
        path = Path(where).expanduser()
        try:
            replace = force or self._may_replace(path)
            if replace is None:
                return
            text = markdown_transcript(reads.get_record(self.db, self.inquiry_id))
            outfile.write_text(path, text, replace=replace)
        except (BadInput, StorageError) as exc:
            self.io.notice(tr("Not saved: {reason}", reason=exc.message))
            return
        self.io.notice(tr("Transcript saved to {path}", path=path))

    def _may_replace(self, path: Path) -> bool | None:
        """False when nothing is to be replaced, True after a yes, None when not allowed."""
        if outfile.kind(path) != outfile.Kind.FILE:
            return False
        if not self.io.interactive:
            self.io.notice(
                "⚠ "
                + tr(
                    "Not saved: {path} exists (without a terminal /save never replaces a file; "
                    "/save --force PATH does)",
                    path=path,
                )
            )
            return None
        if self.io.confirm(tr("{path} exists. Replace it?", path=path)):
            return True
        self.io.notice(_("Not saved."))
        return None

    def _email(self, rest: str) -> Outcome:
        email_id = self.make_email(self.db, self.inquiry_id)
        return Outcome("email", email_id)

    def _end(self, rest: str) -> Outcome:
        if self.io.interactive and not rest:
            solved, rating = self.io.ask_outcome()
        else:
            solved, rating = _parse_end(rest)
        event = Event.CHAT_SOLVED if solved else Event.CHAT_UNSOLVED
        if rating is None:  # a rating given before (a resumed chat) stays
            self.status = writes.change_status(self.db, self.inquiry_id, event)
        else:
            self.status = writes.change_status(self.db, self.inquiry_id, event, rating=rating)
        return Outcome("end")


def _force_flag(rest: str) -> tuple[bool, str]:
    """`/save --force PATH`: the flag, then the path (which may hold spaces)."""
    if rest == "--force" or rest.startswith("--force "):
        return True, rest.removeprefix("--force").strip()
    return False, rest


def _parse_end(rest: str) -> tuple[bool, int | None]:
    """`/end`, `/end solved`, `/end unsolved 2`: without a verdict the chat is recorded
    as unresolved, since nobody confirmed the problem was solved."""
    solved, rating = False, None
    for word in rest.lower().split():
        if word in ("solved", "resolved", "yes", "해결"):
            solved = True
        elif word.isdigit() and 1 <= int(word) <= 5:
            rating = int(word)
    return solved, rating


def _subject(text: str) -> str:
    line = one_clean_line(text)
    return line if len(line) <= SUBJECT_CHARS else line[: SUBJECT_CHARS - 1] + "…"
