"""Reading the customer's mailbox over IMAP (imaplib, from the standard library).

Read-only by construction: the folder is opened with EXAMINE and bodies are fetched with
BODY.PEEK, so nothing is deleted, moved or even marked as seen. Only mail that arrived
since the last sync (by UID, per UIDVALIDITY) and since our oldest inquiry is asked for,
and only the three threading headers of it until one of them names a message we sent."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from supportcli.config import Settings, load_password
from supportcli.errors import BadInput, SupportError
from supportcli.i18n import _
from supportcli.tls import tls_context

HEADER_FIELDS = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES)]"
BATCH = 500
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
DEFAULT_MAX_MB = 50.0  # setting imap.max_message_mb


class MailboxError(SupportError):
    pass


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    folder: str
    timeout: float
    ca_file: str | None
    max_bytes: int = int(DEFAULT_MAX_MB * 1024 * 1024)  # no message is fetched past this

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapSettings:
        host = settings.require("imap.host")
        user = settings.text("imap.user")
        if not user:
            raise BadInput(_("imap.user is not set: `support config set imap.user NAME`"))
        password = load_password("imap", user) or load_password("smtp", settings.text("smtp.user"))
        if not password:
            raise BadInput(
                _(
                    "no IMAP password: set SUPPORT_IMAP_PASSWORD or run "
                    "`support config password --imap`"
                )
            )
        return cls(
            host=host,
            port=int(settings.get("imap.port")),  # type: ignore[call-overload]
            security=settings.text("imap.security"),
            user=user,
            password=password,
            folder=settings.text("imap.folder") or "INBOX",
            timeout=float(settings.get("smtp.timeout")),  # type: ignore[arg-type]
            ca_file=settings.text("imap.ca_file") or None,
            max_bytes=int(float(settings.get("imap.max_message_mb")) * 1024 * 1024),  # type: ignore[arg-type]
        )

    @property
    def key(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


class Mailbox:
    """`with Mailbox(settings) as box:` one connection, the folder opened read-only."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self.imap: imaplib.IMAP4 | None = None
        self.uidvalidity = 0

    def __enter__(self) -> Mailbox:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _open(self) -> None:
        s = self.settings
        context = tls_context(s.ca_file, setting="imap.ca_file")
        try:
            if s.security == "ssl":
                self.imap = imaplib.IMAP4_SSL(
                    s.host, s.port, ssl_context=context, timeout=s.timeout
                )
            else:
                self.imap = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self.imap.starttls(ssl_context=context)
            self._login()
            typ, data = self.imap.select(_quote(folder_name(s.folder)), readonly=True)
            if typ != "OK":
                raise MailboxError(
                    _("cannot open folder {folder}: {reason}").format(
                        folder=s.folder, reason=_text(data)
                    )
                )
            self.uidvalidity = int(_text(self.imap.response("UIDVALIDITY")[1]) or 0)
        except ssl.SSLCertVerificationError as exc:
            raise MailboxError(
                _(
                    "{host}: the server's certificate is not trusted ({reason}); "
                    "no password was sent"
                ).format(host=s.host, reason=exc.verify_message)
            ) from exc
        except imaplib.IMAP4.error as exc:
            raise MailboxError(f"{s.host}: {exc}") from exc
        except OSError as exc:
            raise MailboxError(
                _("cannot reach {host}:{port}: {reason}").format(
                    host=s.host, port=s.port, reason=exc
                )
            ) from exc

    def _login(self) -> None:
        s = self.settings
        assert self.imap is not None
        try:
            if "AUTH=PLAIN" in self.imap.capabilities:
                # UTF-8 credentials (RFC 4616); imaplib's login() only takes ASCII.
                self.imap.authenticate("PLAIN", lambda _: f"\0{s.user}\0{s.password}".encode())
            else:
                self.imap.login(s.user, s.password)
        except imaplib.IMAP4.error as exc:
            raise MailboxError(
                _(
                    "{host}: login refused ({reason}); check imap.user and the "
                    "IMAP password (an app password for Gmail and Naver)"
                ).format(host=s.host, reason=exc)
            ) from exc

    def new_uids(self, after: int, since: datetime | None) -> list[int]:
        assert self.imap is not None
        criteria = [f"UID {after + 1}:*"]
        if since is not None:
            criteria += ["SINCE", since.strftime("%d-%b-%Y")]
        typ, data = self.imap.uid("SEARCH", None, *criteria)  # type: ignore[arg-type]  # no CHARSET
        if typ != "OK":
            raise MailboxError(_("search failed: {reason}").format(reason=_text(data)))
        return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > after)

    def headers(self, uids: list[int]) -> Iterator[list[Head]]:
        """The threading headers and size of each message, a batch of UIDs at a time
        (each batch fetched whole before it is handed out, so the caller may fetch
        messages while going through it)."""
        for start in range(0, len(uids), BATCH):
            batch = ",".join(str(u) for u in uids[start : start + BATCH])
            yield [
                Head(uid, head, int(size.group(1)) if (size := _SIZE.search(line)) else 0)
                for uid, line, head in self._fetch(batch, f"RFC822.SIZE {HEADER_FIELDS}")
            ]

    def message(self, head: Head) -> Fetched | None:
        """One whole message; past `max_bytes`, its header and the start of its body,
        as much as fits (a text part comes first in every layout mail programs send).
        None when it is gone (expunged since the search)."""
        limit = self.settings.max_bytes
        complete = head.size <= limit
        # A partial fetch of the whole message (RFC 3501 6.4.5): its header, then as much
        # of its body as fits, in one piece (no second copy to join them).
        found = self._one(head.uid, "BODY.PEEK[]" if complete else f"BODY.PEEK[]<0.{limit}>")
        return None if found is None else Fetched(found, complete=complete, size=head.size)

    def _one(self, uid: int, what: str) -> bytes | None:
        for _uid, _line, data in self._fetch(str(uid), what):
            return data
        return None

    def _fetch(self, uids: str, what: str) -> Iterator[tuple[int, bytes, bytes]]:
        assert self.imap is not None
        try:
            typ, data = self.imap.uid("FETCH", uids, f"(UID {what})")
        except (imaplib.IMAP4.error, OSError) as exc:  # the connection, not one message
            raise MailboxError(
                _(
                    "{host}: lost while reading ({reason}); the next sync goes on "
                    "from the last message filed"
                ).format(host=self.settings.host, reason=exc)
            ) from exc
        if typ != "OK":
            raise MailboxError(_("fetch failed: {reason}").format(reason=_text(data)))
        for item in data:
            if isinstance(item, tuple) and (found := _UID.search(item[0])):
                yield int(found.group(1)), item[0], item[1]

    def close(self) -> None:
        if self.imap is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.imap.logout()
        self.imap = None


@dataclass(frozen=True)
class Head:
    uid: int
    header: bytes  # the threading headers only
    size: int  # RFC822.SIZE: the whole message's


@dataclass(frozen=True)
class Fetched:
    raw: bytes
    complete: bool  # False: only the header and the body's start (over the size limit)
    size: int  # the whole message's size on the server


def folder_name(name: str) -> str:
    """A folder name as IMAP spells it: modified UTF-7 (RFC 3501 section 5.1.3), so that
    받은편지함 or Boîte is found (imaplib sends names as ASCII)."""
    out: list[str] = []
    pending = ""
    for char in name + "\0":  # the NUL flushes what is pending; it is not written
        if char != "\0" and not 0x20 <= ord(char) <= 0x7E:
            pending += char
            continue
        if pending:
            data = base64.b64encode(pending.encode("utf-16-be", "surrogatepass"))
            out.append("&" + data.decode().rstrip("=").replace("/", ",") + "-")
            pending = ""
        if char != "\0":
            out.append("&-" if char == "&" else char)
    return "".join(out)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: object) -> str:
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return "" if data is None else str(data)
