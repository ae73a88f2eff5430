"""Filing answers: every message in the mailbox whose In-Reply-To or References names a
Message-ID we sent becomes an `agent` message of that inquiry, with its text and its
attachments (private copies). Its own Message-ID is remembered, so filing is idempotent."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from supportcli.config import Settings
from supportcli.mail.mailbox import ImapSettings, Mailbox
from supportcli.records import Answer
from supportcli.store import answers as stored_answers
from supportcli.store import attachments
from supportcli.store.db import now
from supportcli.store.dialect import Database

_ID = re.compile(r"<[^<>\s]+>")
_QUOTE_MARKERS = re.compile(
    r"^(On .+ wrote:|.+ 작성:|-{2,} ?(Original Message|원본 메시지|Forwarded message) ?-{2,}|"
    r"From: .+|보낸 사람: .+)\s*$",
    re.M | re.I,
)


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
            parsed = BytesParser(policy=policy.default).parsebytes(head, headersonly=True)
            own = _first_id(parsed.get("Message-ID"))
            named = _ID.findall(f"{parsed.get('In-Reply-To', '')} {parsed.get('References', '')}")
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
    message = BytesParser(policy=policy.default).parsebytes(raw)
    own = _first_id(message.get("Message-ID")) or (
        f"<{hashlib.sha256(raw).hexdigest()[:32]}@sync.support.invalid>"
    )
    if own in known:
        return False
    copies = [attachments.keep_bytes(data, name) for name, data in _attachments(message)]
    answer = Answer(
        inquiry_id=inquiry_id,
        message_id=own,
        body=answer_text(message),
        sender=str(message.get("From", "")),
        subject=str(message.get("Subject", "")),
        date=str(message.get("Date", "")),
        at=_when(message),
    )
    filed = stored_answers.file_answer(db, answer, copies)
    known[own] = inquiry_id  # filed now, or by another sync meanwhile
    return filed


def answer_text(message: EmailMessage) -> str:
    """The answer's own words: text/plain when there is one, the quoted history cut off
    where it is clearly marked."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_subtype() == "html":
        text = _html_to_text(text)
    text = text.replace("\r\n", "\n")
    marker = _QUOTE_MARKERS.search(text)
    if marker and marker.start() > 0:
        text = text[: marker.start()]
    lines = text.rstrip().split("\n")
    while lines and lines[-1].startswith(">"):
        lines.pop()
    return "\n".join(lines).rstrip() + "\n"


def _attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    found = []
    for n, part in enumerate(message.iter_attachments(), 1):
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            found.append((part.get_filename() or f"attachment-{n}", data))
    return found


def _first_id(value: object) -> str | None:
    found = _ID.findall(str(value or ""))
    return found[0] if found else None


def _when(message: EmailMessage) -> str:
    try:
        moment = parsedate_to_datetime(str(message.get("Date")))
    except (TypeError, ValueError, IndexError):
        return now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _oldest_sent(db: Database) -> datetime | None:
    first = stored_answers.oldest_sent_at(db)
    return None if first is None else datetime.fromisoformat(first) - timedelta(days=2)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")


def _html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()
