"""The personal-data guard (mail/privacy.py) applied to inquiries: what `support email`,
`support reply` and `support outbox send` decide about the findings, the inquiry as the
decision makes it, and a draft saved over itself masked before it goes."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from supportcli.errors import StorageError
from supportcli.mail import checks, privacy
from supportcli.mail.outbox import Composed, record
from supportcli.records import EmailStatus, Inquiry
from supportcli.store import maintenance, reads
from supportcli.store.attachments import local_copy
from supportcli.store.db import connect
from supportcli.store.dialect import Database

# At a terminal: the customer's decision on what the guard found; None to edit first.
AskPrivacy = Callable[[Sequence[privacy.Part]], "privacy.Decision | None"]


class EditFirst(Exception):
    """The customer chose to edit the text before sending it (the guard's `edit`)."""


def decide(composed: Composed, mode: str, ask: AskPrivacy | None) -> privacy.Decision | None:
    """The guard's decision on an outgoing message: None when it holds nothing personal;
    `mask` and `keep` decide alone; otherwise the customer decides at a terminal (`ask`
    given), and a script is refused (exit 2) before anything is recorded."""
    parts = privacy.scan_parts(composed.subject, composed.body, composed.files)
    if not parts:
        return None
    if mode in ("ask", "refuse") and ask is not None:
        decision = ask(parts)
        if decision is None:
            raise EditFirst
        return decision
    return privacy.decide_without_asking(parts, mode)


@contextlib.contextmanager
def guarded(composed: Composed, decision: privacy.Decision | None) -> Iterator[Composed]:
    """The inquiry as the decision makes it: what is sent and recorded. The form's answers
    (kept to edit a draft, and sent in an escalation's facts part) are masked whole when
    anything was masked: they cannot follow a finding-by-finding choice."""
    with privacy.applied(decision, composed.subject, composed.body, composed.files) as out:
        details = composed.details
        if out.masked_any and details:
            details = privacy.mask_everywhere(details)
        yield replace(
            composed,
            subject=out.subject,
            body=out.body,
            files=out.files,
            details=details,
            pii=(out.meta or {}).get("pii"),
        )


def guard_draft(db: Database, rec: Inquiry, mode: str) -> None:
    """A draft about to be sent by `outbox send`: nothing can ask, so the mode decides;
    masked, the draft is saved over itself masked before it goes (what is sent is what
    the history keeps)."""
    if rec.status != EmailStatus.DRAFT or rec.email is None or not rec.messages:
        return
    composed = composed_draft(db, rec)
    parts = privacy.scan_parts(composed.subject, composed.body, composed.files)
    if not parts:
        return
    decision = privacy.decide_without_asking(parts, mode, draft=rec.id)
    with guarded(composed, decision) as out:
        record(db, out, status=EmailStatus.DRAFT, replacing=rec.id)
    forget_originals(out)


def composed_draft(db: Database, rec: Inquiry) -> Composed:
    assert rec.email is not None
    first = rec.messages[0]
    details = (first.meta or {}).get("details")
    return Composed(
        body=first.body,
        topic=rec.topic,
        subject=rec.subject,
        sender=rec.email.sender,
        to=list(rec.email.to),
        cc=list(rec.email.cc),
        files=[
            checks.CheckedFile(local_copy(db, a.sha256), a.filename, a.size)
            for a in rec.attachments
        ],
        parent_id=rec.parent_id,
        details=details if isinstance(details, dict) else None,
    )


def personal_data_in(inquiry_id: int) -> str:
    """The kinds of personal data an email draft holds, for one line ("" when none)."""
    db = connect()
    composed = composed_draft(db, reads.get_record(db, inquiry_id))
    parts = privacy.scan_parts(composed.subject, composed.body, composed.files)
    return privacy.kinds_in(parts)


def forget_originals(masked: Composed) -> None:
    """A draft saved over itself masked: what it held before is left nowhere in the
    history's files (the search index's old segments, the write-ahead log)."""
    if masked.pii and masked.pii["masked"]:
        # After the inquiry is recorded (and perhaps sent): a failure here must not hide
        # what became of it.
        with contextlib.suppress(OSError, StorageError):
            maintenance.forget_deleted_text(connect())
