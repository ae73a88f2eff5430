"""Sending the outbox: claim the inquiries, open one connection to the server, send
each message rebuilt from the history alone, and record each outcome as it happens."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from supportcli.config import Settings
from supportcli.errors import BadInput, StorageError
from supportcli.i18n import _
from supportcli.mail.claim import (
    SENDABLE,
    Result,
    claim,
    finish,
    left_by_killed_runs,
    mark_sent,
    may_have_been_sent,
    renew,
    run_token,
)
from supportcli.mail.facts import escalation_facts
from supportcli.mail.message import AttachmentChanged, Outgoing, thread_references
from supportcli.mail.privacy import facts_masked, mask_everywhere
from supportcli.records import Channel, Delivery, Inquiry, Message
from supportcli.store import attachments, reads
from supportcli.store.dialect import Database


class AttachmentMissing(Exception):
    pass


def outgoing(db: Database, inquiry_id: int, settings: Settings) -> list[Outgoing]:
    """What this inquiry still has to send, oldest first, rebuilt from the history alone
    (its private copies): the inquiry itself until it is sent, then pending follow-ups."""
    rec = reads.get_record(db, inquiry_id)
    envelope = rec.email
    if rec.channel != Channel.EMAIL or envelope is None:
        raise BadInput(_("inquiry {id} is a chat, not an email inquiry").format(id=inquiry_id))
    if not envelope.to:
        raise BadInput(
            _("inquiry {id} has no recipient: set desk.email or pass --to").format(id=inquiry_id)
        )
    account = settings.text("user.account") or None
    thread = [envelope.message_id]
    todo = []
    for n, message in enumerate(rec.messages):
        if n == 0:
            if envelope.sent_at is None:
                todo.append(_message(db, rec, message, envelope.message_id, [], account))
            continue
        if message.delivery == Delivery.PENDING and message.message_id:
            references = thread_references(thread)
            todo.append(_message(db, rec, message, message.message_id, references, account))
        if message.message_id:
            thread.append(message.message_id)
    return todo


def _message(
    db: Database,
    rec: Inquiry,
    message: Message,
    message_id: str,
    references: list[str],
    account: str | None,
) -> Outgoing:
    assert rec.email is not None  # checked by outgoing()
    files: list[tuple[str, str, Path, str | None]] = []
    for item in rec.attachments:
        first = item.message_id is None and not references  # rows from before m002
        if item.message_id != message.id and not first:
            continue
        copy = attachments.local_copy(db, item.sha256)
        if not copy.exists():
            raise AttachmentMissing(
                _("the stored copy of {name} is missing from {folder}").format(
                    name=item.filename, folder=copy.parent
                )
            )
        files.append((item.filename, item.content_type, copy, item.sha256))
    facts = None
    if rec.parent_id is not None and not references:  # an escalation's first message
        facts = escalation_facts(
            db,
            inquiry_id=rec.id,
            topic=rec.topic,
            chat_id=rec.parent_id,
            details=(message.meta or {}).get("details"),
        )
        if facts is not None and facts_masked(message.meta):  # the chat keeps the originals
            facts = mask_everywhere(facts)
    subject = rec.subject
    if references and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return Outgoing(
        sender=rec.email.sender,
        to=list(rec.email.to),
        cc=list(rec.email.cc),
        subject=subject,
        body=message.body,
        message_id=message_id,
        attachments=files,
        account=account,
        inquiry_id=rec.id,
        in_reply_to=references[-1] if references else None,
        references=references,
        message_row=message.id,
        facts=facts,
    )


_clock = time.monotonic  # the run's own clock, for its claims' age


def send(
    db: Database,
    ids: Sequence[int],
    settings: Settings,
    *,
    statuses: Sequence[str] = SENDABLE,
    progress: Callable[[Result], None] | None = None,
    resend: bool = False,
) -> list[Result]:
    """Send these inquiries over one connection; record each outcome as it happens.

    One whose last run was killed mid-send may have reached the desk: it is reported,
    neither treated as sent nor sent again, unless `resend` (the user checked)."""
    # Here, not at the top: yagmail loads only when something is sent.
    from supportcli.mail.sender import DeliveryError, Mailer, ServerSettings

    server = ServerSettings.from_settings(settings)
    token = run_token()
    stale_after = server.timeout * 4 + 60
    killed = left_by_killed_runs(db, ids, stale_after=stale_after, release=resend)
    results = [may_have_been_sent(i) for i in ids if i in killed]
    mine = claim(db, [i for i in ids if i not in killed], token, statuses)
    claimed = _clock()
    results += [
        Result(i, "skipped", _("already sent, or being sent by another run"))
        for i in ids
        if i not in mine and i not in killed
    ]
    if not mine:
        return results
    try:
        mailer = Mailer(server).__enter__()
    except DeliveryError as exc:
        for inquiry_id in mine:
            result = Result(
                inquiry_id, "queued" if exc.temporary else "failed", exc.reason, exc.hint
            )
            finish(db, result)
            results.append(result)
            if progress:
                progress(result)
        return results
    done: set[int] = set()
    try:
        for inquiry_id in mine:
            # A claim younger than a quarter of `stale_after` cannot look left behind to
            # anyone, so it is renewed only once the run has gone on longer than that.
            fresh = _clock() - claimed < stale_after / 4
            if not fresh and not renew(db, inquiry_id, token):  # released by a `--resend`
                done.add(inquiry_id)
                results.append(Result(inquiry_id, "skipped", _("taken over by another run")))
                continue
            result = _send_one(db, mailer, inquiry_id, settings)
            finish(db, result)
            done.add(inquiry_id)
            results.append(result)
            if progress:
                progress(result)
    finally:
        mailer.close()
        for inquiry_id in mine:  # interrupted: nothing stays claimed, nothing is lost
            if inquiry_id not in done:
                with contextlib.suppress(StorageError):
                    finish(db, Result(inquiry_id, "queued", _("sending was interrupted")))
    return results


def _send_one(db: Database, mailer, inquiry_id: int, settings: Settings) -> Result:  # type: ignore[no-untyped-def]
    # Imported here: see send(): yagmail and smtplib load only when sending.
    from supportcli.mail.sender import DeliveryError

    refused: dict[str, str] = {}
    just_sent: Outgoing | None = None
    try:
        for message in outgoing(db, inquiry_id, settings):
            if just_sent is not None:
                mark_sent(db, inquiry_id, just_sent)
            just_sent = None
            delivered = mailer.send(message)
            just_sent = message  # recorded with the outcome, in the same transaction
            refused |= delivered.refused
    except (AttachmentMissing, AttachmentChanged) as exc:
        return Result(inquiry_id, "failed", str(exc), just_sent=just_sent)
    except BadInput as exc:
        return Result(inquiry_id, "failed", exc.message, just_sent=just_sent)
    except DeliveryError as exc:
        status = "queued" if exc.temporary else "failed"
        return Result(inquiry_id, status, exc.reason, exc.hint, just_sent=just_sent)
    except (ValueError, UnicodeError) as exc:  # a header our checks should have refused
        return Result(
            inquiry_id,
            "failed",
            _("the message could not be built: {reason}").format(reason=exc),
            just_sent=just_sent,
        )
    return Result(inquiry_id, "sent", refused=refused, just_sent=just_sent)
