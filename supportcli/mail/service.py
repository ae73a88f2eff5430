"""What `support email`, `support reply` and `support outbox` call. Nothing here touches a
terminal: questions go through the composer the caller hands in, and every function
returns what happened (or raises one of our errors) for the command line to say."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from supportcli.account import Ask, require_identity
from supportcli.config import Settings
from supportcli.errors import (
    BadInput,
    Cancelled,
    ExitCode,
    Queued,
    StorageError,
    SupportError,
)
from supportcli.i18n import N_, _
from supportcli.mail import checks, privacy
from supportcli.mail.drafts import new_message_id, sender_of
from supportcli.mail.facts import escalation_facts, short_transcript
from supportcli.mail.form import ComposeInterrupted, Form
from supportcli.mail.guard import (
    AskPrivacy,
    decide,
    forget_originals,
    guard_draft,
    guarded,
)
from supportcli.mail.message import Outgoing, render
from supportcli.mail.outbox import RETRIED, SENDABLE, Composed, Result, pending, record, send
from supportcli.records import Channel, EmailStatus, Event, Inquiry
from supportcli.rescue import rescue
from supportcli.store import maintenance, reads, writes
from supportcli.store.attachments import local_copy
from supportcli.store.db import connect
from supportcli.store.dialect import Database
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
    pii: str | None = None  # --pii: mask, keep or refuse; None: the setting pii.mode


@dataclass(frozen=True)
class Outcome:
    """What became of an inquiry: `sent`, saved as a `draft`, or `stopped` by the customer
    (kept as a draft when anything was written; `inquiry_id` is None when nothing was)."""

    kind: Literal["sent", "draft", "stopped"]
    inquiry_id: int | None
    refused: dict[str, str] = field(default_factory=dict)
    interrupt: KeyboardInterrupt | None = None
    pii: dict[str, dict[str, int]] | None = None  # what the guard masked and kept


class Composer(Protocol):
    """Fills in a form at a terminal and returns the choice: send, draft or cancel.
    Raises ComposeInterrupted with the form when the customer stops."""

    def run(self, form: Form, *, ask_everything: bool) -> str: ...


def _recipients(request: EmailRequest, settings: Settings) -> list[str]:
    to = request.to or ([settings.text("desk.email")] if settings.text("desk.email") else [])
    if not to:
        raise BadInput(
            _(
                "--to: no recipient: pass --to or set desk.email "
                "(`support config set desk.email ADDRESS`)"
            )
        )
    return checks.check_addresses(to, field="--to")


def _from_chat(chat_id: int, *, db: Database | None = None) -> tuple[str, str, str]:
    """(subject, short transcript, topic) of the chat the inquiry starts from."""
    chat = reads.get_record(db or connect(), chat_id)
    if chat.channel != Channel.CHAT:
        raise BadInput(_("--from-chat: inquiry {id} is not a chat").format(id=chat_id))
    subject = one_clean_line(chat.subject) or _("Chat #{id}").format(id=chat.id)
    return subject, short_transcript(chat), chat.topic


def compose_flags(request: EmailRequest, settings: Settings) -> Composed:
    """Everything from flags, checked; the non-interactive path."""
    subject, body, topic = request.subject, request.body, request.topic
    if request.from_chat is not None:
        chat_subject, transcript, chat_topic = _from_chat(request.from_chat)
        subject = subject or chat_subject
        body = f"{body.rstrip()}\n\n{transcript}" if body else transcript
        topic = topic or chat_topic
    if subject is None:
        raise BadInput(_("--subject is required without a terminal"))
    if body is None:
        raise BadInput(
            _(
                "a body is required without a terminal: pass --body TEXT, "
                "--body-file PATH or --body-file -"
            )
        )
    files = _files(request.attach, settings)
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


def _files(paths: list[str], settings: Settings) -> list[checks.CheckedFile]:
    files = [checks.check_attachment(path) for path in paths]
    checks.check_total_size(files, attachment_limit_mb(settings))
    return files


def attachment_limit_mb(settings: Settings) -> float:
    return float(settings.get("email.max_attachment_mb"))  # type: ignore[arg-type]


def dry_run(composed: Composed, *, pii: str | None, settings: Settings) -> bytes:
    """The exact bytes that would be sent, after the personal-data guard decided as it
    would for the real run (so `refuse` refuses here too); nothing is recorded."""
    decision = decide(composed, privacy.mode_of(pii, settings), ask=None)
    with guarded(composed, decision) as out:
        return _dry_run(out)


def _dry_run(composed: Composed) -> bytes:

    def guess(name: str) -> str:
        return mimetypes.guess_type(name)[0] or "application/octet-stream"

    out = Outgoing(
        sender=composed.sender,
        to=composed.to,
        cc=composed.cc,
        subject=composed.subject,
        body=composed.body,
        message_id=new_message_id(composed.sender),
        attachments=[(f.name, guess(f.name), f.path, None) for f in composed.files],
    )
    if composed.parent_id is not None:
        out.facts = escalation_facts(
            connect(),
            inquiry_id=None,
            topic=composed.topic,
            chat_id=composed.parent_id,
            details=composed.details,
        )
        if out.facts is not None and privacy.facts_masked(composed.meta()):
            out.facts = privacy.mask_everywhere(out.facts)
    return render(out)


def submit_flags(composed: Composed, *, pii: str | None, settings: Settings) -> Outcome:
    """The non-interactive send: guarded by `--pii` or pii.mode (refused by default)."""
    decision = decide(composed, privacy.mode_of(pii, settings), ask=None)
    with guarded(composed, decision) as out:
        return submit(out, draft=False, settings=settings)


def submit(
    composed: Composed, *, draft: bool, settings: Settings, replacing: int | None = None
) -> Outcome:
    """Record the inquiry (before any byte goes out), then send it unless it is a draft."""
    db = connect()
    if not draft:
        check_server(settings)
    status = EmailStatus.DRAFT if draft else EmailStatus.QUEUED
    inquiry_id = record(db, composed, status=status, replacing=replacing)
    if draft:
        return Outcome("draft", inquiry_id)
    (result,) = send(db, [inquiry_id], settings)
    return replace(sent_or_raise(result), pii=composed.pii)


def check_server(settings: Settings) -> None:
    """Mail settings missing: refused before anything is recorded (a setup problem)."""
    # Imported here: smtplib and yagmail only when an inquiry is sent.
    from supportcli.mail.sender import ServerSettings

    ServerSettings.from_settings(settings)


def sent_or_raise(result: Result) -> Outcome:
    """A sent inquiry's outcome; one line naming the inquiry when it did not go."""
    if result.status == "queued":
        raise Queued(
            _(
                "inquiry #{id} is saved but not sent yet: {reason}; "
                "it waits in the outbox (`support outbox send`)"
            ).format(id=result.inquiry_id, reason=result.reason)
        )
    if result.status == "failed":
        raise SupportError(
            _("inquiry #{id} was not sent: {reason}; it is kept in the outbox").format(
                id=result.inquiry_id, reason=result.reason
            ),
            hint=result.hint,
        )
    return Outcome("sent", result.inquiry_id, refused=dict(result.refused))


def send_outbox(
    ids: list[int],
    settings: Settings,
    progress: Callable[[Result], None] | None = None,
    *,
    resend: bool = False,
    pii: str | None = None,
) -> list[Result]:
    """Send the named inquiries (drafts too, each through the personal-data guard first:
    a draft was never reviewed), or everything queued and failed."""
    mode = privacy.mode_of(pii, settings)
    db = connect()
    if ids:
        records = [reads.get_record(db, inquiry_id) for inquiry_id in ids]
        for rec in records:
            _sendable(rec)  # one clear line, before sending
        for rec in records:  # all decided before the first is sent
            guard_draft(db, rec, mode)
        return send(db, ids, settings, statuses=SENDABLE, progress=progress, resend=resend)
    if resend:
        raise BadInput(_("--resend: name the inquiries to send again (support outbox send ID)"))
    return send(db, pending(db), settings, statuses=RETRIED, progress=progress)


def _sendable(rec: Inquiry) -> None:
    """A draft with an empty body is refused (without a terminal nothing can ask for it)."""
    if rec.status == EmailStatus.DRAFT and rec.messages and not rec.messages[0].body.strip():
        raise BadInput(
            _("body: the message is empty; write it with `support email --edit {id}`").format(
                id=rec.id
            )
        )


def outbox_exit(results: list[Result]) -> int:
    statuses = {r.status for r in results}
    if "failed" in statuses or "interrupted" in statuses:
        return int(ExitCode.FAILED)
    if "queued" in statuses:
        return int(ExitCode.QUEUED)
    return 0


def interactive_email(
    request: EmailRequest, settings: Settings, *, composer: Composer, ask: Ask
) -> Outcome:
    """The composer fills the form; Ctrl-C keeps what was typed as a draft."""
    settings = require_identity(settings, ask=ask)
    form, replacing = _initial_form(request, settings)
    mode = privacy.mode_of(request.pii, settings)
    complete = bool(request.yes and form.subject and form.has_words())
    # --yes skips the review, unless personal data is found and the mode asks about it:
    # then the review comes, without the form's questions.
    ask_more = not complete or (
        mode in ("ask", "refuse") and bool(privacy.scan_parts(form.subject, form.body, form.files))
    )
    try:
        if ask_more:
            choice = composer.run(form, ask_everything=replacing is None and not complete)
        else:
            choice = "send"
    except ComposeInterrupted as stop:
        return _keep_interrupted(stop, replacing)
    if choice == "cancel":  # after "Discard this inquiry?" was answered yes
        if replacing is None:
            raise Cancelled(_("cancelled; nothing was saved"))
        discard_draft(replacing)
        raise Cancelled(_("cancelled; draft #{id} is discarded").format(id=replacing))
    composed = _composed(form, request.from_chat)
    decision = None
    if choice != "draft":
        composed.subject = checks.check_subject(composed.subject, field="subject")
        checks.check_body(composed.body, field="body")
        try:
            check_server(settings)
        except BadInput as missing:  # keep what was written, then say what to set
            kept = submit(composed, draft=True, settings=settings, replacing=replacing)
            raise BadInput(
                _(
                    "{problem}; your inquiry is saved as draft #{id}: "
                    "send it later with `support outbox send {id}`"
                ).format(problem=missing.message, id=kept.inquiry_id)
            ) from None
        # The composer's review decided (form.privacy); with --yes the mode decides.
        decision = form.privacy or decide(composed, mode, ask=None)
    with guarded(composed, decision) as out:
        try:
            return submit(out, draft=choice == "draft", settings=settings, replacing=replacing)
        except (OSError, StorageError) as exc:
            raise rescue(_as_text(out), N_("your inquiry"), exc) from exc
        finally:
            if replacing is not None:
                forget_originals(out)


def discard_draft(inquiry_id: int) -> None:
    """Remove a draft the customer discarded. A chat it escalated is open again, to be
    resumed (`support chat --resume`), since no email carries it any more."""
    db = connect()
    rec = reads.get_record(db, inquiry_id)
    if rec.status != EmailStatus.DRAFT:
        raise BadInput(
            _("inquiry {id} is {status}, not a draft").format(id=inquiry_id, status=rec.status)
        )
    writes.delete_inquiries(db, [inquiry_id])  # its own transaction, as `support delete`
    maintenance.forget_deleted_text(db)
    if rec.parent_id is not None:
        writes.change_status(db, rec.parent_id, Event.CHAT_RESUME, strict=False)


def _initial_form(request: EmailRequest, settings: Settings) -> tuple[Form, int | None]:
    if request.edit is not None:
        return _form_from_draft(request.edit), request.edit
    form = Form(
        sender=sender_of(settings),
        to=_recipients(request, settings),
        cc=checks.check_addresses(request.cc, field="--cc"),
        topic=check_topic(request.topic) if request.topic else "other",
        subject=(request.subject or "").strip(),  # as it is sent: the guard scans this
        files=[checks.check_attachment(p) for p in request.attach],
    )
    if request.body is not None:
        form.body_override = request.body
    if request.from_chat is not None:
        subject, transcript, topic = _from_chat(request.from_chat)
        form.subject = form.subject or subject
        form.topic = request.topic or topic
        form.chat_id, form.transcript = request.from_chat, transcript
        if request.body is not None:
            form.body_override = f"{request.body.rstrip()}\n\n{transcript}"
    return form, None


def _form_from_draft(inquiry_id: int) -> Form:
    db = connect()
    rec = reads.get_record(db, inquiry_id)
    envelope = rec.email
    if rec.status != EmailStatus.DRAFT or envelope is None:
        raise BadInput(_("--edit: inquiry {id} is not an email draft").format(id=inquiry_id))
    first = rec.messages[0]
    # Answers to the form's questions (possibly none yet), or None: a body written whole.
    details: dict[str, str] | None = (first.meta or {}).get("details")  # type: ignore[assignment]
    files = [
        checks.CheckedFile(local_copy(db, a.sha256), a.filename, a.size) for a in rec.attachments
    ]
    form = Form(
        sender=envelope.sender,
        to=list(envelope.to),
        cc=list(envelope.cc),
        topic=rec.topic,
        subject=rec.subject,
        details=details or {},
        body_override=None if details is not None else first.body,
        files=files,
    )
    if rec.parent_id is not None:  # an escalation: the chat's transcript follows the words
        form.chat_id = rec.parent_id
        if details is not None:
            form.transcript = _from_chat(rec.parent_id, db=db)[1]
    return form


def _composed(form: Form, parent_id: int | None) -> Composed:
    details = dict(form.details) if form.body_override is None else None
    parent_id = parent_id if parent_id is not None else form.chat_id
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


def _keep_interrupted(stop: ComposeInterrupted, replacing: int | None) -> Outcome:
    if stop.form.is_empty() and replacing is None:
        return Outcome("stopped", None, interrupt=stop.interrupt)
    composed = _composed(stop.form, None)
    try:
        inquiry_id = record(connect(), composed, status=EmailStatus.DRAFT, replacing=replacing)
    except (OSError, StorageError) as exc:
        raise rescue(_as_text(composed), N_("your draft"), exc) from exc
    return Outcome("stopped", inquiry_id, interrupt=stop.interrupt)


def _as_text(composed: Composed) -> str:
    """An inquiry as plain text, for when it cannot be stored."""
    lines = [
        _("To: {addresses}").format(addresses=", ".join(composed.to)),
        _("Subject: {subject}").format(subject=composed.subject),
        *(_("Attachment: {path}").format(path=f.path) for f in composed.files),
    ]
    return "\n".join(lines) + f"\n\n{composed.body}"


def reply(
    inquiry_id: int,
    body: str | None,
    attach: list[str],
    settings: Settings,
    *,
    pii: str | None = None,
    ask: AskPrivacy | None = None,
) -> Outcome:
    """A follow-up in the inquiry's thread, guarded like an inquiry (`ask`: the customer
    decides at a terminal; EditFirst when they want to change the text), recorded, then
    sent like any inquiry."""
    if body is None:
        raise BadInput(_("a body is required: pass --body TEXT, --body-file PATH or --body-file -"))
    files = _files(attach, settings)
    composed = Composed(checks.check_body(body), files=files, reply_to=inquiry_id)
    decision = decide(composed, privacy.mode_of(pii, settings), ask)
    check_server(settings)
    db = connect()
    with guarded(composed, decision) as out:
        record(db, out, status=EmailStatus.QUEUED)
    (result,) = send(db, [inquiry_id], settings)
    return replace(sent_or_raise(result), pii=out.pii)


def escalate(db: Database, chat_id: int, settings: Settings) -> int:
    """A chat's `/email`: an email draft carrying the chat's short transcript, with the
    form's questions still to answer (`support email --edit` asks them); the chat is
    escalated."""
    subject, transcript, topic = _from_chat(chat_id, db=db)
    desk = settings.text("desk.email")
    draft = Composed(
        body=transcript,
        topic=topic,
        subject=subject,
        sender=sender_of(settings),
        to=[desk] if desk else [],
        parent_id=chat_id,
        details={},
    )
    return record(db, draft, status=EmailStatus.DRAFT)
