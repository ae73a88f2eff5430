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
from supportcli.i18n import _, language
from supportcli.mail.checks import (
    check_addresses,
    check_attachment,
    check_subject,
    check_total_size,
)
from supportcli.mail.form import ComposeInterrupted, Form
from supportcli.mail.privacy import scan_parts
from supportcli.text import human_size
from supportcli.topics import TOPICS
from supportcli.ui import privacy as privacy_view
from supportcli.ui import prompts

MULTILINE_HINT = _("(Esc, Enter: done)")


class Composer:
    """The terminal's side of mail.service.Composer."""

    def __init__(self, *, limit_mb: float, pii_mode: str = "ask") -> None:
        self.limit_mb = limit_mb
        self.pii_mode = pii_mode

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
            for key, *_rest in self.form.questions:
                self._ask_detail(key)
        self._ask_files()
        if _editor() and prompts.confirm(_("Polish the body in $EDITOR?"), default=False):
            self._edit_body()

    def _ask_words(self) -> None:
        """The details' questions, for a body with nothing of the customer's in it."""
        if self.form.body_override is not None:  # emptied in $EDITOR: ask instead
            self.form.body_override = None
        if not self.form.subject.strip():
            self._ask_subject()
        for key, *_rest in self.form.questions:
            self._ask_detail(key)

    def _ask_topic(self) -> None:
        self.form.topic = prompts.select(
            _("Topic"),
            [(name, f"{name}: {_(text)}") for name, text in TOPICS.items()],
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
            _("Subject"), default=self.form.subject, validate=valid, keep=keep
        ).strip()

    def _ask_detail(self, key: str) -> None:
        _key, ko, en, hint = next(d for d in self.form.questions if d[0] == key)
        # The question and its hint are printed here, wrapped to the terminal, and the
        # typing area below gets the whole width (see prompts.long_text).
        question = Text("? ", style="bold green")
        question.append(_asked(ko, en), style="bold")
        question.append(f"  {MULTILINE_HINT}", style="dim")
        console.out().print(question)
        console.out().print(Text(f"  {_hint(hint)}", style="dim"))

        def keep(typed: str) -> None:  # Ctrl-C: the field being typed is kept too
            self.form.details[key] = typed

        self.form.details[key] = prompts.long_text(
            default=self.form.details.get(key, ""), keep=keep
        )

    def _ask_body(self) -> None:
        question = Text("? ", style="bold green")
        question.append(_("Body"), style="bold")
        question.append(f"  {MULTILINE_HINT}", style="dim")
        console.out().print(question)

        def keep(typed: str) -> None:  # Ctrl-C: what is being typed is kept too
            self.form.body_override = typed

        self.form.body_override = prompts.long_text(
            default=self.form.body_override or "", keep=keep
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

            raw = prompts.path(_("File to attach (Enter when done)"), validate=valid).strip()
            if not raw:
                return
            self.form.files.append(check_attachment(raw, field="attachment"))

    def _edit_body(self) -> None:
        self.form.body_override = edit_in_editor(self.form.body)

    def _review(self) -> str:
        while True:
            show_review(self.form)
            choice = prompts.select(
                _("What now?"),
                [
                    ("send", _("Send")),
                    ("edit", _("Edit a part")),
                    ("draft", _("Save as draft")),
                    ("cancel", _("Cancel")),
                ],
            )
            if choice == "edit":
                self._edit_part()
            elif choice == "cancel":
                if prompts.confirm(_("Discard this inquiry?"), default=False):
                    return "cancel"
            elif choice == "send" and not self.form.subject.strip():
                console.err().print(_("A subject is needed before sending."))
                self._ask_subject()
            elif choice == "send" and not self.form.body.strip():
                console.err().print(_("The message is empty: tell us below."))
                self._ask_words()
            elif choice == "send" and not self._cleared():
                self._edit_part()
            else:
                return choice

    def _cleared(self) -> bool:
        """The personal-data guard on what is about to be sent: the customer's decision
        (or pii.mode's) goes on the form; False when they chose to edit first."""
        form = self.form
        parts = scan_parts(form.subject, form.body, form.files)
        form.privacy = None
        if not parts:
            return True
        if self.pii_mode in ("mask", "keep"):
            form.privacy = privacy_view.told(parts, self.pii_mode)
            return True
        form.privacy = privacy_view.ask(parts)
        return form.privacy is not None

    def _edit_part(self) -> None:
        parts = [("subject", _("Subject")), ("topic", _("Topic"))]
        if self.form.body_override is None:
            parts += [(key, _asked(ko, en)) for key, ko, en, _hint in self.form.questions]
        else:  # a body written whole (--body, a draft, $EDITOR): edited whole, here too
            parts.append(("body", _("Body")))
        parts += [("files", _("Attachments")), ("cc", _("Cc"))]
        if _editor():
            parts.append(("editor", _("Whole body in $EDITOR")))
        part = prompts.select(_("Edit which part?"), parts)
        if part == "subject":
            self._ask_subject()
        elif part == "topic":
            self._ask_topic()
        elif part == "files":
            if self.form.files and prompts.confirm(
                _("Remove all attachments first?"), default=False
            ):
                self.form.files = []
            self._ask_files()
        elif part == "cc":
            self._ask_cc()
        elif part == "editor":
            self._edit_body()
        elif part == "body":
            self._ask_body()
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
            _("Cc (comma-separated)"),
            default=", ".join(self.form.cc),
            validate=valid,
        )
        self.form.cc = check_addresses([a for a in raw.split(",") if a.strip()], field="cc")


def show_review(form: Form) -> None:
    """Exactly what will be sent."""
    head = Table.grid(padding=(0, 1))
    head.add_column(style="bold")
    head.add_column()
    empty = _("(empty)")
    head.add_row(_("From"), Text(form.sender))
    head.add_row(_("To"), Text(", ".join(form.to) or _("(none: set desk.email)")))
    if form.cc:
        head.add_row(_("Cc"), Text(", ".join(form.cc)))
    head.add_row(_("Subject"), Text(form.subject or empty))
    head.add_row(_("Topic"), Text(form.topic))
    out = console.out()
    out.print(Panel(head, title=_("Review"), title_align="left"))
    out.print(Panel(Text(form.body or empty), title=_("Body"), title_align="left"))
    if form.files:
        listing = Text("\n".join(f"📎 {f.name} ({human_size(f.size)})" for f in form.files))
        out.print(Panel(listing, title=_("Attachments"), title_align="left"))


def _asked(ko: str, en: str) -> str:
    """A detail's question (mail/form.py writes each in both languages)."""
    return ko if language() == "ko" else _(en)


def _hint(hint: str) -> str:
    """A detail's hint: "한국어 · English" as mail/form.py writes it, the side for the
    interface's language; any other hint through the catalog."""
    ko, sep, en = hint.partition(" · ")
    if not sep:
        return _(hint)
    return ko if language() == "ko" else en


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
