"""Filing answers: every message in the mailbox whose In-Reply-To or References names a
Message-ID we sent becomes an `agent` message of that inquiry, with its text, its
attachments and its original bytes (private copies). Its own Message-ID is remembered, so
filing is idempotent. Reading one message is `mail.inbound`'s; this module decides where
it goes, and that no message ever stops a sync:

- each message is filed in its own transaction, which also moves the mailbox position
  past it, so what was filed stays filed and is never fetched again;
- a message that cannot be read or filed (any exception) is kept unread: its original is
  kept and a row says why, in one transaction that also moves past it; `sync --retry`
  tries those again from the kept bytes (no IMAP needed);
- only when even that cannot be recorded (the history itself fails: disk full, locked)
  does the run stop, and then the position is still before that message;
- one message is in memory at a time, and none is fetched past `imap.max_message_mb`."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from supportcli.config import Settings
from supportcli.errors import StorageError
from supportcli.i18n import _
from supportcli.mail import inbound
from supportcli.mail.mailbox import Head, ImapSettings, Mailbox
from supportcli.mail.message import usable_message_id
from supportcli.records import Answer, MailboxPosition, UnreadMail
from supportcli.store import answers as stored_answers
from supportcli.store import attachments, writes
from supportcli.store.attachments import StoredFile
from supportcli.store.db import now
from supportcli.store.dialect import Database
from supportcli.text import one_clean_line

_ANY_ID = re.compile(rb"<[^<>\s]{1,250}>")
REASON_LENGTH = 200  # a kept-unread reason is one line of at most this many characters


@dataclass
class SyncReport:
    filed: Counter[int] = field(default_factory=Counter)
    unverified: Counter[int] = field(default_factory=Counter)  # of `filed`: not the desk's
    subjects: dict[int, str] = field(default_factory=dict)
    seen: int = 0  # messages whose headers were read
    unread: list[UnreadMail] = field(default_factory=list)  # kept unread (now, or still)
    dropped: int = 0  # kept-unread messages that answer no inquiry any more (--retry)

    def as_json(self) -> dict[str, object]:
        return {
            "filed": [
                {
                    "inquiry_id": i,
                    "answers": n,
                    "unverified": self.unverified[i],
                    "subject": self.subjects.get(i, ""),
                }
                for i, n in sorted(self.filed.items())
            ],
            "total": sum(self.filed.values()),
            "checked": self.seen,
            "kept_unread": [u.as_json() for u in self.unread],
        }


@dataclass(frozen=True)
class Desk:
    """Who answers for the customer center: desk.email and desk.answer_from (addresses,
    and domains written `example.com` or `@example.com`). With neither set, the addresses
    each inquiry was sent to."""

    addresses: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> Desk:
        entries = [
            settings.text("desk.email"),
            *re.split(r"[,\s]+", settings.text("desk.answer_from")),
        ]
        found = [e.strip().lower() for e in entries if e.strip()]
        return cls(
            frozenset(e for e in found if "@" in e.lstrip("@")),
            frozenset(e.lstrip("@") for e in found if "@" not in e.lstrip("@")),
        )

    def answered(self, address: str, sent_to: list[str]) -> bool:
        if not address:
            return False
        if not self.addresses and not self.domains:
            return address in {a.lower() for a in sent_to}
        return address in self.addresses or address.rpartition("@")[2] in self.domains


@dataclass
class _Filing:
    """What filing one message needs besides the message."""

    db: Database
    known: dict[str, int]
    desk: Desk
    limits: inbound.Limits
    report: SyncReport


def sync(db: Database, settings: Settings) -> SyncReport:
    imap = ImapSettings.from_settings(settings)
    filing = _filing(db, settings, imap.max_bytes)
    since = _oldest_sent(db)
    if since is None:
        return filing.report  # nothing was ever sent, so nothing can be an answer
    with Mailbox(imap) as box:
        read = stored_answers.position(db, mailbox=imap.key, uidvalidity=box.uidvalidity)
        for batch in box.headers(box.new_uids(read.last_uid, since)):
            for head in sorted(batch, key=lambda h: h.uid):
                filing.report.seen += 1
                inquiry_id = _target(head.header, filing.known)
                if inquiry_id is not None:
                    read = replace(read, last_uid=head.uid)
                    _take(filing, box, head, inquiry_id, read)
            if batch:  # past the messages that answer nothing too
                read = replace(read, last_uid=max(read.last_uid, *(h.uid for h in batch)))
                stored_answers.remember(db, read)
    filing.report.subjects = stored_answers.subjects(db, filing.report.filed)
    return filing.report


def retry(db: Database, settings: Settings) -> SyncReport:
    """File the messages kept unread again, from their kept originals."""
    mb = float(settings.get("imap.max_message_mb"))  # type: ignore[arg-type]
    filing = _filing(db, settings, int(mb * 1024 * 1024))
    for row in stored_answers.unread(db):
        _retry_one(filing, row)
    filing.report.subjects = stored_answers.subjects(db, filing.report.filed)
    return filing.report


def _filing(db: Database, settings: Settings, max_bytes: int) -> _Filing:
    return _Filing(
        db=db,
        known=stored_answers.known_message_ids(db),
        desk=Desk.from_settings(settings),
        limits=inbound.Limits(max_bytes=max_bytes),
        report=SyncReport(),
    )


def _target(header: bytes, known: dict[str, int]) -> int | None:
    """The inquiry a message answers (by its threading headers), or None."""
    try:
        own, named = inbound.thread_ids(header)
    except Exception:  # a header the reader cannot parse: its ids are still <...> words
        ids = [m.decode("ascii", "replace") for m in _ANY_ID.findall(header)]
        own, named = None, tuple(ids)
    targets = [known[i] for i in named if i in known]
    return targets[-1] if targets and own not in known else None


def _take(
    filing: _Filing, box: Mailbox, head: Head, inquiry_id: int, read: MailboxPosition
) -> None:
    """Fetch one message, keep its original, and file it, or else keep it unread."""
    fetched = box.message(head)
    if fetched is None:
        return  # expunged since the search: nothing to file
    original = _keep_original(fetched.raw, head.uid)
    notes: tuple[str, ...] = ()
    if not fetched.complete:
        notes = (
            _(
                "only the first {fetched:,} of its {size:,} bytes were fetched "
                "(larger than imap.max_message_mb)"
            ).format(fetched=len(fetched.raw), size=fetched.size),
        )
    try:
        _file(filing, fetched.raw, original, inquiry_id, notes, read=read, whole=fetched.complete)
    except Exception as exc:  # whatever it was, this message must not stop the sync
        _keep_unread(filing, read, head.uid, original, _reason(exc))
    except BaseException:  # Ctrl-C: the next sync starts from this message again
        _discard(filing.db, [original.sha256])
        raise


def _retry_one(filing: _Filing, row: UnreadMail) -> None:
    db = filing.db
    copy = attachments.local_copy(db, row.raw_sha256)
    try:
        raw = copy.read_bytes()
    except OSError as exc:
        stored_answers.still_unread(
            db, row.id, _("its kept original is unreadable: {reason}").format(reason=exc)
        )
        filing.report.unread.append(row)
        return
    inquiry_id = _target(_header_of(raw), filing.known)
    if inquiry_id is None:  # its inquiry was deleted meanwhile
        _discard(db, [stored_answers.forget_unread(db, row.id)])
        filing.report.dropped += 1
        return
    original = StoredFile(copy.name, len(raw), row.raw_sha256, "message/rfc822", source=raw)
    try:
        # A kept original as long as the limit is the start of a larger message.
        whole = len(raw) < filing.limits.max_bytes
        _file(filing, raw, original, inquiry_id, (), retried=row.id, whole=whole)
    except Exception as exc:
        reason = _reason(exc)
        stored_answers.still_unread(db, row.id, reason)
        filing.report.unread.append(replace(row, reason=reason))


def _file(
    filing: _Filing,
    raw: bytes,
    original: StoredFile,
    inquiry_id: int,
    notes: tuple[str, ...],
    *,
    read: MailboxPosition | None = None,
    retried: int | None = None,
    whole: bool = True,
) -> None:
    db = filing.db
    incoming = inbound.read_answer(raw, filing.limits, whole=whole)
    answer = _answer(filing, incoming, raw, inquiry_id, notes)
    copies: list[StoredFile] = []
    try:
        for item in incoming.files:
            copies.append(attachments.keep_bytes(item.data, item.name))
        filed = stored_answers.file_answer(
            db, answer, copies, raw=original, read=read, retried=retried
        )
    except BaseException:
        _discard(db, [c.sha256 for c in copies])  # the original: the caller keeps it unread
        raise
    if not filed:  # it was filed before: what was kept for it now is only left over
        _discard(db, [c.sha256 for c in copies] + [original.sha256])
    filing.known[answer.message_id] = inquiry_id  # filed now, or by another sync meanwhile
    if filed:
        filing.report.filed[inquiry_id] += 1
        filing.report.unverified[inquiry_id] += not answer.verified


def _answer(
    filing: _Filing, incoming: inbound.Incoming, raw: bytes, inquiry_id: int, notes: tuple[str, ...]
) -> Answer:
    own = incoming.message_id
    if own is None or not usable_message_id(own):
        # Made from its bytes, so that filing it again files nothing (the same form
        # `inbound.Incoming.fallback_id` gave before issue 13).
        own = f"<{hashlib.sha256(raw).hexdigest()[:32]}@sync.support.invalid>"
    sent_to = stored_answers.sent_to(filing.db, inquiry_id)
    return Answer(
        inquiry_id=inquiry_id,
        message_id=own,
        body=incoming.text,
        sender=incoming.sender,
        subject=incoming.subject,
        date=incoming.date,
        at=_when(incoming.at),
        sender_address=incoming.sender_address,
        verified=filing.desk.answered(incoming.sender_address, sent_to),
        notes=(*notes, *incoming.notes),
    )


def _keep_original(raw: bytes, uid: int) -> StoredFile:
    """The message's bytes as they arrived, in the private store: kept before anything
    else is tried, so that whatever happens next nothing that arrived is lost. When even
    that fails (the disk is full) the sync stops here, before this message."""
    try:
        return attachments.keep_bytes(raw, f"message-{uid}.eml")
    except OSError as exc:
        raise StorageError(
            _(
                "cannot keep message UID {uid} ({size:,} bytes): {reason}; "
                "the next sync starts from it"
            ).format(uid=uid, size=len(raw), reason=exc.strerror or exc)
        ) from exc


def _keep_unread(
    filing: _Filing, read: MailboxPosition, uid: int, original: StoredFile, reason: str
) -> None:
    try:
        stored_answers.keep_unread(filing.db, read=read, uid=uid, reason=reason, raw=original)
    except Exception as exc:
        _discard(filing.db, [original.sha256])
        raise StorageError(
            _(
                "message UID {uid} could not be filed ({reason}) nor kept unread "
                "({why}); the next sync starts from it"
            ).format(uid=uid, reason=reason, why=_reason(exc))
        ) from exc
    filing.report.unread.append(
        UnreadMail(0, read.mailbox, uid, reason, original.sha256, original.size, now())
    )


def _discard(db: Database, shas: Sequence[str | None]) -> None:
    """Best effort: a copy left behind here is only disk space, never a lost answer."""
    with contextlib.suppress(Exception):
        writes.discard_unreferenced(db, [s for s in shas if s])


def _reason(exc: BaseException) -> str:
    text = one_clean_line(str(exc)) or _("no details")
    return f"{type(exc).__name__}: {text}"[:REASON_LENGTH]


def _header_of(raw: bytes) -> bytes:
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    return raw if end < 0 else raw[:end]


def _when(at: str | None) -> str:
    """When the answer was written, as stored: its Date, unless it cannot be true (absent,
    unreadable, in the future, before 1990): then when it was filed. The Date header as
    written stays in the message's meta, whatever it says."""
    try:
        moment = datetime.fromisoformat(at or "")
        if moment.tzinfo is None:
            return now()
        if datetime(1990, 1, 1, tzinfo=UTC) <= moment <= datetime.now(UTC) + timedelta(days=1):
            return moment.astimezone(UTC).isoformat(timespec="microseconds")
    except (ValueError, OverflowError):
        pass
    return now()


def _oldest_sent(db: Database) -> datetime | None:
    first = stored_answers.oldest_sent_at(db)
    return None if first is None else datetime.fromisoformat(first) - timedelta(days=2)
