"""The interactive email composer: the details a good inquiry carries, attachments, a
review of exactly what will be sent, and a choice. Ctrl-C or a closed terminal at any
question hands back everything typed so far, which the caller keeps as a draft."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from supportcli import console
from supportcli.errors import BadInput
from supportcli.mail.checks import (
    check_addresses,
    check_attachment,
    check_subject,
    check_total_size,
)
from supportcli.mail.form import ComposeInterrupted, Form
from supportcli.text import human_size
from supportcli.topics import TOPICS
from supportcli.ui import prompts

MULTILINE_HINT = "(Esc, Enter: 완료 · done)"


class Composer:
    """The terminal's side of mail.service.Composer."""

    def __init__(self, *, limit_mb: float) -> None:
        self.limit_mb = limit_mb

    def run(self, form: Form, *, ask_everything: bool = True) -> str:
        """Fill the form, review it, and return the choice: send, draft or cancel."""
        self.form = form
        try:
            # A chat's `/email` arrives as a draft with nothing of the customer's yet: the
            # form's questions the chat has not answered; an empty draft: its body's.
            if ask_everything or (form.chat_id is not None and not form.has_words()):
                self._ask_all()
            elif not form.has_words():
                self._ask_words()
            return self._review()
        except KeyboardInterrupt as stop:
            raise ComposeInterrupted(self.form, stop) from None

    def _ask_all(self) -> None:
        if self.form.chat_id is None:  # an escalation's topic is the chat's
            self._ask_topic()
        if self.form.chat_id is None or not self.form.subject:
            self._ask_subject()
        if self.form.body_override is None:
            for key, *_ in self.form.questions:
                self._ask_detail(key)
        self._ask_files()
        if _editor() and prompts.confirm(
            "본문을 편집기에서 다듬을까요? · Polish the body in $EDITOR?", default=False
        ):
            self._edit_body()

    def _ask_words(self) -> None:
        """The details' questions, for a body with nothing of the customer's in it."""
        if self.form.body_override is not None:  # emptied in $EDITOR: ask instead
            self.form.body_override = None
        if not self.form.subject.strip():
            self._ask_subject()
        for key, *_ in self.form.questions:
            self._ask_detail(key)

    def _ask_topic(self) -> None:
        self.form.topic = prompts.select(
            "문의 분야 · Topic",
            [(name, f"{name}: {text}") for name, text in TOPICS.items()],
            default=self.form.topic,
        )

    def _ask_subject(self) -> None:
        def valid(text: str) -> bool | str:
            try:
                check_subject(text, field="subject")
            except BadInput as exc:
                return exc.message
            return True

        def keep(typed: str) -> None:
            self.form.subject = typed.strip()

        self.form.subject = prompts.text(
            "제목 · Subject", default=self.form.subject, validate=valid, keep=keep
        ).strip()

    def _ask_detail(self, key: str) -> None:
        _, ko, en, hint = next(d for d in self.form.questions if d[0] == key)
        # The question and its hint are printed here, wrapped to the terminal, and the
        # typing area below gets the whole width (see prompts.long_text).
        question = Text("? ", style="bold green")
        question.append(f"{ko} · {en}", style="bold")
        question.append(f"  {MULTILINE_HINT}", style="dim")
        console.out().print(question)
        console.out().print(Text(f"  {hint}", style="dim"))

        def keep(typed: str) -> None:  # Ctrl-C: the field being typed is kept too
            self.form.details[key] = typed

        self.form.details[key] = prompts.long_text(
            default=self.form.details.get(key, ""), keep=keep
        )

    def _ask_files(self) -> None:
        while True:

            def valid(raw: str) -> bool | str:
                if not raw.strip():
                    return True
                try:
                    checked = check_attachment(raw.strip(), field="attachment")
                    check_total_size([*self.form.files, checked], self.limit_mb)
                except BadInput as exc:
                    return exc.message
                return True

            raw = prompts.path(
                "첨부할 파일 (없으면 Enter) · File to attach (Enter when done)", validate=valid
            ).strip()
            if not raw:
                return
            self.form.files.append(check_attachment(raw, field="attachment"))

    def _edit_body(self) -> None:
        self.form.body_override = edit_in_editor(self.form.body)

    def _review(self) -> str:
        while True:
            show_review(self.form)
            choice = prompts.select(
                "어떻게 할까요? · What now?",
                [
                    ("send", "보내기 · Send"),
                    ("edit", "고치기 · Edit a part"),
                    ("draft", "임시 저장 · Save as draft"),
                    ("cancel", "취소 · Cancel"),
                ],
            )
            if choice == "edit":
                self._edit_part()
            elif choice == "cancel":
                if prompts.confirm(
                    "작성한 내용을 버릴까요? · Discard this inquiry?", default=False
                ):
                    return "cancel"
            elif choice == "send" and not self.form.subject.strip():
                console.err().print("제목을 입력해 주세요 · A subject is needed before sending.")
                self._ask_subject()
            elif choice == "send" and not self.form.body.strip():
                console.err().print("본문을 입력해 주세요 · The message is empty: tell us below.")
                self._ask_words()
            else:
                return choice

    def _edit_part(self) -> None:
        parts = [("subject", "제목 · Subject"), ("topic", "분야 · Topic")]
        if self.form.body_override is None:
            parts += [(key, f"{ko} · {en}") for key, ko, en, _ in self.form.questions]
        parts += [("files", "첨부 · Attachments"), ("cc", "참조 · Cc")]
        if _editor():
            parts.append(("editor", "본문 전체를 편집기에서 · Whole body in $EDITOR"))
        part = prompts.select("무엇을 고칠까요? · Edit which part?", parts)
        if part == "subject":
            self._ask_subject()
        elif part == "topic":
            self._ask_topic()
        elif part == "files":
            if self.form.files and prompts.confirm(
                "첨부를 모두 빼고 다시 고를까요? · Remove all attachments first?", default=False
            ):
                self.form.files = []
            self._ask_files()
        elif part == "cc":
            self._ask_cc()
        elif part == "editor":
            self._edit_body()
        else:
            self._ask_detail(part)

    def _ask_cc(self) -> None:
        def valid(raw: str) -> bool | str:
            try:
                check_addresses([a for a in raw.split(",") if a.strip()], field="cc")
            except BadInput as exc:
                return exc.message
            return True

        raw = prompts.text(
            "참조 (쉼표로 구분) · Cc (comma-separated)",
            default=", ".join(self.form.cc),
            validate=valid,
        )
        self.form.cc = check_addresses([a for a in raw.split(",") if a.strip()], field="cc")


def show_review(form: Form) -> None:
    """Exactly what will be sent."""
    head = Table.grid(padding=(0, 1))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("From", Text(form.sender))
    head.add_row("To", Text(", ".join(form.to) or "(none: set desk.email)"))
    if form.cc:
        head.add_row("Cc", Text(", ".join(form.cc)))
    head.add_row("Subject", Text(form.subject or "(empty)"))
    head.add_row("Topic", Text(form.topic))
    out = console.out()
    out.print(Panel(head, title="검토 · Review", title_align="left"))
    out.print(Panel(Text(form.body or "(empty)"), title="본문 · Body", title_align="left"))
    if form.files:
        listing = Text("\n".join(f"📎 {f.name} ({human_size(f.size)})" for f in form.files))
        out.print(Panel(listing, title="첨부 · Attachments", title_align="left"))


def _editor() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR")


def edit_in_editor(text: str) -> str:
    """Open $VISUAL/$EDITOR on a private temporary file and return what was saved."""
    editor = _editor()
    if not editor:
        return text
    fd, name = tempfile.mkstemp(prefix="support-", suffix=".txt")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        subprocess.run([*shlex.split(editor), str(path)], check=False)
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
