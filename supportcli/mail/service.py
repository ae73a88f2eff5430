"""What `support email` and `support outbox` call."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from supportcli.config import Settings
from supportcli.errors import (
    BadInput,
    Cancelled,
    ExitCode,
    Queued,
    StorageError,
    SupportError,
)
from supportcli.mail import checks
from supportcli.mail.drafts import sender_of
from supportcli.mail.outbox import Composed, Result, record, replace_draft, send
from supportcli.rescue import rescue
from supportcli.store import reads
from supportcli.store.db import connect
from supportcli.text import one_clean_line
from supportcli.topics import check_topic


@dataclass
class EmailRequest:
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    topic: str | None = None
    subject: str | None = None
    body: str | None = None
    attach: list[str] = field(default_factory=list)
    from_chat: int | None = None
    draft: bool = False
    dry_run: bool = False
    yes: bool = False
    edit: int | None = None


def _recipients(request: EmailRequest, settings: Settings) -> list[str]:
    to = request.to or ([settings.text("desk.email")] if settings.text("desk.email") else [])
    if not to:
        raise BadInput(
            "--to: no recipient: pass --to or set desk.email "
            "(`support config set desk.email ADDRESS`)"
        )
    return checks.check_addresses(to, field="--to")


def _from_chat(request: EmailRequest) -> tuple[str, str, str]:
    """(subject, transcript, topic) of the chat the inquiry starts from."""
    from supportcli.mail.drafts import chat_transcript

    chat = reads.get_record(connect(), int(request.from_chat))  # type: ignore[arg-type]
    if chat["channel"] != "chat":
        raise BadInput(f"--from-chat: inquiry {request.from_chat} is not a chat")
    subject = one_clean_line(str(chat["subject"])) or f"Chat #{chat['id']}"
    return subject, chat_transcript(chat), str(chat["topic"])


def compose_flags(request: EmailRequest, settings: Settings) -> Composed:
    """Everything from flags, checked; the non-interactive path."""
    subject, body, topic = request.subject, request.body, request.topic
    if request.from_chat is not None:
        chat_subject, transcript, chat_topic = _from_chat(request)
        subject = subject or chat_subject
        body = f"{body.rstrip()}\n\n{transcript}" if body else transcript
        topic = topic or chat_topic
    if subject is None:
        raise BadInput("--subject is required without a terminal")
    if body is None:
        raise BadInput(
            "a body is required without a terminal: pass --body TEXT, "
            "--body-file PATH or --body-file -"
        )
    files = [checks.check_attachment(path) for path in request.attach]
    checks.check_total_size(files, float(settings.get("email.max_attachment_mb")))  # type: ignore[arg-type]
    return Composed(
        topic=check_topic(topic or "other"),
        subject=checks.check_subject(subject),
        body=checks.check_body(body),
        sender=sender_of(settings),
        to=_recipients(request, settings),
        cc=checks.check_addresses(request.cc, field="--cc"),
        files=files,
        parent_id=request.from_chat,
    )


def dry_run(composed: Composed) -> bytes:
    from supportcli.mail.drafts import new_message_id
    from supportcli.mail.message import Outgoing, render

    out = Outgoing(
        sender=composed.sender,
        to=composed.to,
        cc=composed.cc,
        subject=composed.subject,
        body=composed.body,
        message_id=new_message_id(composed.sender),
        attachments=[(f.name, _guess(f.name), f.path) for f in composed.files],
    )
    return render(out)


def _guess(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def submit(
    composed: Composed, *, draft: bool, settings: Settings, replacing: int | None = None
) -> int:
    """Record the inquiry (before any byte goes out), then send it unless it is a draft."""
    db = connect()
    if not draft:
        _check_server(settings)
    status = "draft" if draft else "queued"
    if replacing is not None:
        replace_draft(db, replacing, composed, status=status)
        inquiry_id = replacing
    else:
        inquiry_id = record(db, composed, status=status)
    if draft:
        print(
            f"Saved draft #{inquiry_id}; send it with `support outbox send {inquiry_id}` or "
            f"edit it with `support email --edit {inquiry_id}`",
            file=sys.stderr,
        )
        print(f"email {inquiry_id}", file=sys.stderr)
        return inquiry_id
    (result,) = send(db, [inquiry_id], settings)
    raise_for(result)  # one line naming the inquiry, when it did not go
    report(result)
    print(f"email {inquiry_id}", file=sys.stderr)
    return inquiry_id


def _check_server(settings: Settings) -> None:
    """Mail settings missing: refused before anything is recorded (a setup problem)."""
    from supportcli.mail.sender import ServerSettings

    ServerSettings.from_settings(settings)


def report(result: Result) -> None:
    if result.status == "sent":
        print(f"Sent inquiry #{result.inquiry_id}.", file=sys.stderr)
        for addr, reason in result.refused.items():
            print(f"warning: the server refused {addr}: {reason}", file=sys.stderr)


def raise_for(result: Result) -> None:
    if result.status == "queued":
        raise Queued(
            f"inquiry #{result.inquiry_id} is saved but not sent yet: {result.reason}; "
            "it waits in the outbox (`support outbox send`)"
        )
    if result.status == "failed":
        raise SupportError(
            f"inquiry #{result.inquiry_id} was not sent: {result.reason}; it is kept in the outbox",
            hint=result.hint,
        )


def send_outbox(
    ids: list[int], settings: Settings, progress: Callable[[Result], None] | None = None
) -> list[Result]:
    from supportcli.mail.outbox import RETRIED, SENDABLE, pending

    db = connect()
    if ids:
        for inquiry_id in ids:
            reads.get_record(db, inquiry_id)  # a clear error for an unknown id
        return send(db, ids, settings, statuses=SENDABLE, progress=progress)
    return send(db, pending(db), settings, statuses=RETRIED, progress=progress)


def outbox_exit(results: list[Result]) -> int:
    statuses = {r.status for r in results}
    if "failed" in statuses:
        return int(ExitCode.FAILED)
    if "queued" in statuses:
        return int(ExitCode.QUEUED)
    return 0


def interactive_email(request: EmailRequest, settings: Settings) -> int:
    """The composer at a terminal; Ctrl-C keeps what was typed as a draft."""
    from supportcli.chat.service import require_identity
    from supportcli.ui.composer import ComposeInterrupted, Composer

    settings = require_identity(settings, interactive=True)
    form, replacing = _initial_form(request, settings)
    composer = Composer(form, limit_mb=float(settings.get("email.max_attachment_mb")))  # type: ignore[arg-type]
    ask = not (request.yes and form.subject and (form.body_override or form.details))
    from supportcli.signals import stop_signals_interrupt

    try:
        with stop_signals_interrupt():
            choice = "send" if not ask else composer.run(ask_everything=replacing is None)
    except ComposeInterrupted as stop:
        return _keep_interrupted(stop, replacing, settings)
    if choice == "cancel":
        raise Cancelled(
            "cancelled; the draft is unchanged"
            if replacing is not None
            else "cancelled; nothing was saved"
        )
    composed = _composed(form, request.from_chat)
    if choice != "draft":
        composed.subject = checks.check_subject(composed.subject, field="subject")
        checks.check_body(composed.body, field="body")
        try:
            _check_server(settings)
        except BadInput as missing:  # keep what was written, then say what to set
            inquiry_id = submit(composed, draft=True, settings=settings, replacing=replacing)
            raise BadInput(
                f"{missing.message}; your inquiry is saved as draft #{inquiry_id}: "
                f"send it later with `support outbox send {inquiry_id}`"
            ) from None
    try:
        submit(composed, draft=choice == "draft", settings=settings, replacing=replacing)
    except (OSError, StorageError) as exc:
        raise rescue(_as_text(composed), "your inquiry", exc) from exc
    return 0


def _initial_form(request: EmailRequest, settings: Settings):  # type: ignore[no-untyped-def]
    from supportcli.ui.composer import Form

    if request.edit is not None:
        return _form_from_draft(request.edit), request.edit
    form = Form(
        sender=sender_of(settings),
        to=_recipients(request, settings),
        cc=checks.check_addresses(request.cc, field="--cc"),
        topic=check_topic(request.topic) if request.topic else "other",
        subject=request.subject or "",
        files=[checks.check_attachment(p) for p in request.attach],
    )
    if request.body is not None:
        form.body_override = request.body
    if request.from_chat is not None:
        subject, transcript, topic = _from_chat(request)
        form.subject = form.subject or subject
        form.topic = request.topic or topic
        form.body_override = (f"{request.body.rstrip()}\n\n" if request.body else "") + transcript
    return form, None


def _form_from_draft(inquiry_id: int):  # type: ignore[no-untyped-def]
    from supportcli.mail.checks import CheckedFile
    from supportcli.store.attachments import local_copy
    from supportcli.ui.composer import Form

    db = connect()
    rec = reads.get_record(db, inquiry_id)
    if rec["status"] != "draft" or not isinstance(rec["email"], dict):
        raise BadInput(f"--edit: inquiry {inquiry_id} is not an email draft")
    first = rec["messages"][0]  # type: ignore[index]
    details = (first.get("meta") or {}).get("details")
    files = [
        CheckedFile(local_copy(db, a["sha256"]), a["filename"], a["size"])
        for a in rec["attachments"]
    ]  # type: ignore[attr-defined]
    return Form(
        sender=rec["email"]["from"],
        to=rec["email"]["to"],
        cc=rec["email"]["cc"],
        topic=str(rec["topic"]),
        subject=str(rec["subject"]),
        details=details or {},
        body_override=None if details else first["body"],
        files=files,
    )


def _composed(form, parent_id: int | None) -> Composed:  # type: ignore[no-untyped-def]
    details = dict(form.details) if form.body_override is None else None
    return Composed(
        topic=form.topic,
        subject=form.subject,
        body=form.body,
        sender=form.sender,
        to=form.to,
        cc=form.cc,
        files=form.files,
        parent_id=parent_id,
        details=details,
    )


def _keep_interrupted(stop, replacing: int | None, settings: Settings) -> int:  # type: ignore[no-untyped-def]
    from supportcli.signals import exit_code

    composed = _composed(stop.form, None)
    form = stop.form
    if not (form.subject.strip() or form.body.strip() or form.files or replacing is not None):
        print("\nStopped before anything was written; nothing to keep.", file=sys.stderr)
        return exit_code(stop.interrupt)
    try:
        db = connect()
        if replacing is not None:
            replace_draft(db, replacing, composed, status="draft")
            inquiry_id = replacing
        else:
            inquiry_id = record(db, composed, status="draft")
    except (OSError, StorageError) as exc:
        raise rescue(_as_text(composed), "your draft", exc) from exc
    print(
        f"\nStopped. What you wrote is saved as draft #{inquiry_id}; continue with "
        f"`support email --edit {inquiry_id}`",
        file=sys.stderr,
    )
    print(f"email {inquiry_id}", file=sys.stderr)
    return exit_code(stop.interrupt)


def _as_text(composed: Composed) -> str:
    """An inquiry as plain text, for when it cannot be stored."""
    files = "".join(f"Attachment: {f.path}\n" for f in composed.files)
    return f"To: {', '.join(composed.to)}\nSubject: {composed.subject}\n{files}\n{composed.body}"


def reply(inquiry_id: int, body: str | None, attach: list[str], settings: Settings) -> int:
    """A follow-up in the inquiry's thread, recorded, then sent like any inquiry."""
    from supportcli.mail.outbox import add_follow_up

    if body is None:
        raise BadInput("a body is required: pass --body TEXT, --body-file PATH or --body-file -")
    files = [checks.check_attachment(path) for path in attach]
    checks.check_total_size(files, float(settings.get("email.max_attachment_mb")))  # type: ignore[arg-type]
    body = checks.check_body(body)
    _check_server(settings)
    db = connect()
    add_follow_up(db, inquiry_id, body, files)
    (result,) = send(db, [inquiry_id], settings)
    raise_for(result)
    report(result)
    print(f"email {inquiry_id}", file=sys.stderr)
    return inquiry_id
