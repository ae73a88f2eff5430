"""Filing answers: every message in the mailbox whose In-Reply-To or References names a
Message-ID we sent becomes an `agent` message of that inquiry, with its text and its
attachments (private copies). Its own Message-ID is remembered, so filing is idempotent.
Reading one message is `mail.inbound`'s; this module decides where it goes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from supportcli.config import Settings
from supportcli.mail import inbound
from supportcli.mail.mailbox import ImapSettings, Mailbox
from supportcli.records import Answer
from supportcli.store import answers as stored_answers
from supportcli.store import attachments
from supportcli.store.db import now
from supportcli.store.dialect import Database


@dataclass
class SyncReport:
    filed: Counter[int] = field(default_factory=Counter)
    subjects: dict[int, str] = field(default_factory=dict)
    seen: int = 0  # messages whose headers were read

    def as_json(self) -> dict[str, object]:
        return {
            "filed": [
                {"inquiry_id": i, "answers": n, "subject": self.subjects.get(i, "")}
                for i, n in sorted(self.filed.items())
            ],
            "total": sum(self.filed.values()),
            "checked": self.seen,
        }


def sync(db: Database, settings: Settings) -> SyncReport:
    imap = ImapSettings.from_settings(settings)
    report = SyncReport()
    known = stored_answers.known_message_ids(db)
    since = _oldest_sent(db)
    if since is None:
        return report  # nothing was ever sent, so nothing can be an answer
    with Mailbox(imap) as box:
        read = stored_answers.position(db, mailbox=imap.key, uidvalidity=box.uidvalidity)
        uids = box.new_uids(read.last_uid, since)
        wanted = []
        for uid, head in box.headers(uids):
            report.seen += 1
            own, named = inbound.thread_ids(head)
            targets = [known[i] for i in named if i in known]
            if targets and own not in known:
                wanted.append((uid, targets[-1]))
        for uid, inquiry_id in wanted:
            if _file(db, box.message(uid), inquiry_id, known):
                report.filed[inquiry_id] += 1
        if uids:
            stored_answers.remember(db, replace(read, last_uid=max(uids)))
    report.subjects = stored_answers.subjects(db, report.filed)
    return report


def _file(db: Database, raw: bytes, inquiry_id: int, known: dict[str, int]) -> bool:
    incoming = inbound.read_answer(raw)
    own = incoming.message_id or incoming.fallback_id(raw)
    if own in known:
        return False
    copies = [attachments.keep_bytes(f.data, f.name) for f in incoming.files]
    answer = Answer(
        inquiry_id=inquiry_id,
        message_id=own,
        body=incoming.text,
        sender=incoming.sender,
        subject=incoming.subject,
        date=incoming.date,
        at=incoming.at or now(),
    )
    filed = stored_answers.file_answer(db, answer, copies)
    known[own] = inquiry_id  # filed now, or by another sync meanwhile
    return filed


def _oldest_sent(db: Database) -> datetime | None:
    first = stored_answers.oldest_sent_at(db)
    return None if first is None else datetime.fromisoformat(first) - timedelta(days=2)
