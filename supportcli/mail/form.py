"""An email inquiry as the customer is writing it: the details a good inquiry carries,
the attachments, and who it goes to. The terminal fills it in (ui/composer.py); the use
case (mail/service.py) records and sends what it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from supportcli.i18n import language
from supportcli.mail.checks import CheckedFile

if TYPE_CHECKING:
    from supportcli.mail.privacy import Decision

DETAILS = (  # key, Korean label, English label, hint
    (
        "what",
        "무슨 일이 있었나요",
        "What happened",
        "언제, 어디서, 무엇을 하다가 · when, where, what you were doing",
    ),
    (
        "error",
        "오류 메시지",
        "Exact error message",
        "화면에 나온 그대로 · copy it exactly as shown (leave empty if none)",
    ),
    (
        "tried",
        "이미 해 본 것",
        "What I already tried",
        "재시작, 재설치, 다른 기기 등 · restart, reinstall, another device…",
    ),
    ("environment", "사용 환경", "Environment", "기기/OS/앱 버전 · device, OS, app version"),
)


# An escalated chat asks first what the chat's answers left unsolved.
STILL_WRONG = (
    "what",
    "아직 해결되지 않은 점",
    "What is still wrong",
    "채팅의 답으로 해결되지 않은 부분 · what the chat's answers did not solve",
)


def details_for(chat_id: int | None) -> tuple[tuple[str, str, str, str], ...]:
    """The form's questions: an escalation's first one asks what is still wrong."""
    return DETAILS if chat_id is None else (STILL_WRONG, *DETAILS[1:])


@dataclass
class Form:
    sender: str
    to: list[str]
    cc: list[str] = field(default_factory=list)
    topic: str = "other"
    subject: str = ""
    details: dict[str, str] = field(default_factory=dict)
    body_override: str | None = None  # set when the body was given whole or edited in $EDITOR
    files: list[CheckedFile] = field(default_factory=list)
    chat_id: int | None = None  # the chat this inquiry continues (an escalation)
    transcript: str = ""  # that chat's short transcript, after the customer's words
    # The customer's choice on the personal data the review found (mail/privacy.py).
    privacy: Decision | None = None

    @property
    def questions(self) -> tuple[tuple[str, str, str, str], ...]:
        return details_for(self.chat_id)

    @property
    def body(self) -> str:
        if self.body_override is not None:
            return self.body_override
        words = assemble(self.details, self.questions)
        return (
            f"{words}\n{self.transcript}" if words and self.transcript else words or self.transcript
        )

    def has_words(self) -> bool:
        """Whether the customer wrote anything of their own (a transcript is not)."""
        if self.body_override is not None:
            return bool(self.body_override.strip())
        return any(text.strip() for text in self.details.values())

    def is_empty(self) -> bool:
        return not (self.subject.strip() or self.has_words() or self.files)


def assemble(
    details: dict[str, str], questions: tuple[tuple[str, str, str, str], ...] = DETAILS
) -> str:
    """The answers as one readable body, labelled in the customer's language: Korean when
    they write Korean or use the Korean interface (the desk reads both)."""
    korean = language() == "ko" or any(
        "\uac00" <= ch <= "\ud7a3" for text in details.values() for ch in text
    )
    parts = []
    for key, ko, en, _ in questions:
        text = details.get(key, "").strip("\n")
        if text.strip():
            parts.append(f"[{ko if korean else en}]\n{text}")
    return "\n\n".join(parts) + ("\n" if parts else "")


class ComposeInterrupted(Exception):
    """Raised by a composer with what was typed when the customer pressed Ctrl-C (or the
    terminal went away); the use case keeps it as a draft."""

    def __init__(self, form: Form, interrupt: KeyboardInterrupt) -> None:
        super().__init__("interrupted")
        self.form = form
        self.interrupt = interrupt
