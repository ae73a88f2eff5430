"""What `support sync` handles: an answer read from the mailbox, how far a mailbox has been
read, a message it could not file. Apart from records.py so that the read commands
(`list`, `show`), which never meet these, do not create them: each frozen dataclass
costs ~0.5-1 ms of start-up to build."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """An answer read from the mailbox, to be filed under the inquiry it answers."""

    inquiry_id: int
    message_id: str  # its own Message-ID (made up from its bytes when it has none)
    body: str  # its own words, the quoted thread cut off
    sender: str
    subject: str
    date: str  # its Date header, as written
    at: str  # when it was written, as stored (UTC ISO 8601)
    sender_address: str = ""  # the bare From address, lower-cased
    verified: bool = True  # from the desk: only then does it change the inquiry's status
    notes: tuple[str, ...] = ()  # what was left out of it, and why

    def meta(self) -> dict[str, object]:
        """What the stored message keeps of its headers."""
        found: dict[str, object] = {"from": self.sender, "subject": self.subject, "date": self.date}
        if self.notes:
            found["notes"] = list(self.notes)
        return found


@dataclass(frozen=True)
class MailboxPosition:
    """How far `support sync` has read a mailbox: its UIDs are valid while `uidvalidity`
    stays the same."""

    mailbox: str  # user@host:port/folder
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class UnreadMail:
    """A message `sync` could not file: its original is kept for `sync --retry`."""

    id: int
    mailbox: str
    uid: int
    reason: str  # one line
    raw_sha256: str
    raw_size: int
    kept_at: str

    def as_json(self) -> dict[str, object]:
        return {"uid": self.uid, "mailbox": self.mailbox, "reason": self.reason}
