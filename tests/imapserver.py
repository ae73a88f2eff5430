"""A real, local IMAP server for tests: Dovecot with its own throw-away configuration.

Usage::

    with ImapServer(mode="ssl") as srv:
        srv.append(raw_message_bytes)                 # real IMAP APPEND, over TLS
        ctx = ssl.create_default_context(cafile=srv.ca_file)
        with imaplib.IMAP4_SSL(srv.host, srv.port, ssl_context=ctx, timeout=5) as client:
            srv.login(client)                         # AUTHENTICATE PLAIN, see below
            client.select("INBOX")
            ...
        assert srv.messages() == [raw_message_bytes]  # nothing deleted or moved

``/usr/sbin/dovecot -F -c CONFIG`` runs as an ordinary child process (in its own
process group). Everything it uses lives in one temporary folder: the configuration,
base_dir (sockets, pid file), state_dir, the log file, the passwd-file with the one
user, the TLS key and certificates, and the user's Maildir. It listens on a free
port on 127.0.0.1 ("ssl") or 127.0.0.2 ("starttls"; see Addresses). stop() (or
leaving the ``with`` block) kills Dovecot, makes sure no process of it is left,
and deletes the folder.

This module deliberately has no pytest dependency (except `require_dovecot`, which
imports pytest when called).

Modes
    ``"ssl"``       implicit TLS from the first byte (IMAPS, like port 993).
    ``"starttls"``  plain IMAP port; LOGIN/AUTHENTICATE are refused (LOGINDISABLED)
                    until STARTTLS has been done (``ssl = required``).

Addresses -- why "starttls" listens on 127.0.0.2
    Dovecot (2.3, login-common ``client_alloc``) treats every connection whose
    remote IP equals its local IP as "secured", whatever ``ssl = required`` says:
    a client on 127.0.0.1 talking to 127.0.0.1 may log in in the clear, and
    STARTTLS would not be enforced. So in "starttls" mode the server listens on
    ``127.0.0.2`` by default (Linux routes all of 127/8 to ``lo``; the client's
    source address stays 127.0.0.1, so the IPs differ) and then refuses
    LOGIN/AUTHENTICATE before STARTTLS (it advertises ``LOGINDISABLED``). If
    127.0.0.2 cannot be used (not Linux), it falls back to 127.0.0.1 and
    ``srv.starttls_enforced`` is False. "ssl" mode listens on ``127.0.0.1``.
    Always connect to ``srv.host``.

Certificates
    A fresh ``trustme.CA()`` per server; ``srv.ca_file`` is its PEM. The server
    certificate is for ``srv.host``, ``127.0.0.1`` and ``localhost``. With
    ``untrusted=True`` it is issued by a *different* CA, so verification against
    ``ca_file`` fails.

Non-ASCII password
    The default password ``"imap-pässword"`` is deliberately not ASCII. Dovecot
    accepts it (the passwd-file is UTF-8, comparison is byte-wise), but
    ``imaplib.IMAP4.login()`` cannot send it: imaplib encodes command arguments as
    ASCII and raises ``UnicodeEncodeError``. ``AUTHENTICATE PLAIN`` carries it fine
    (base64 of UTF-8); `ImapServer.login` and `plain_auth` do that.

Running as root (CI)
    Dovecot's master stays root; login processes run as ``dovenull``, internal
    ones (auth, ...) as ``dovecot``, and the mail process as an unprivileged user
    (``nobody`` by default; Dovecot refuses mail access as uid 0), which owns the
    Maildir. ``first_valid_uid``/``first_valid_gid`` are set to that user's ids.
    As a non-root user everything runs as that user instead (no chroot).

Skipping
    `dovecot_available()` returns None if Dovecot (with its IMAP server) is
    installed, else the reason. `require_dovecot()` turns that into
    ``pytest.skip(reason)`` -- or, when the environment variable
    ``SUPPORT_REQUIRE_SERVERS=1`` is set (CI should set it), into ``pytest.fail(reason)``
    so that a missing server cannot silently skip tests. The variable is read
    when this module is imported, because the suite's autouse ``home`` fixture
    removes every ``SUPPORT_*`` variable before each test runs.

Debian package: ``dovecot-imapd`` (pulls in ``dovecot-core``).
"""

from __future__ import annotations

import contextlib
import datetime
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import trustme

try:
    from servers import REQUIRE_SERVERS_ENV, require
except ImportError:  # tests/ became a package
    from tests.servers import REQUIRE_SERVERS_ENV, require  # type: ignore[no-redef]

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USER",
    "DOVECOT",
    "MODES",
    "REQUIRE_SERVERS_ENV",
    "ImapServer",
    "ImapServerError",
    "dovecot_available",
    "plain_auth",
    "require_dovecot",
]

DOVECOT = "/usr/sbin/dovecot"
MODES = frozenset({"ssl", "starttls"})
DEFAULT_USER = "customer@example.com"
DEFAULT_PASSWORD = "imap-pässword"


# Where Dovecot keeps imap / imap-login on the usual distributions.
_LIBEXEC_DIRS = ("/usr/lib/dovecot", "/usr/libexec/dovecot")

#: What imaplib.Time2Internaldate accepts (the INTERNALDATE of an APPEND).
DateTime = float | time.struct_time | datetime.datetime | str

#: imaplib.append() turns bare CR and LF into CRLF with this (imaplib.MapCRLF).
_MAP_CRLF = re.compile(rb"\r\n|\r(?!\n)|\n")

STARTUP_TIMEOUT = 10.0
CLIENT_TIMEOUT = 10.0


class ImapServerError(RuntimeError):
    """Dovecot could not be started (the message includes its log)."""


def dovecot_available() -> str | None:
    """None if Dovecot with its IMAP server can be run here, else why not."""
    if not os.access(DOVECOT, os.X_OK):
        return f"{DOVECOT} not found (Debian: apt-get install dovecot-imapd)"
    libexec = [d for d in _LIBEXEC_DIRS if os.path.isdir(d)]
    if libexec and not any(os.access(os.path.join(d, "imap"), os.X_OK) for d in libexec):
        return "Dovecot is installed but its IMAP server is not (apt-get install dovecot-imapd)"
    return None


def require_dovecot() -> None:
    """Skip the calling test if Dovecot is missing -- or fail it if
    ``SUPPORT_REQUIRE_SERVERS=1`` is set (see servers.py)."""
    require(dovecot_available())


def plain_auth(user: str, password: str) -> Callable[[bytes], bytes]:
    """An imaplib ``authenticate("PLAIN", ...)`` callback for any (UTF-8) password."""
    blob = b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")
    return lambda _challenge: blob


def quote_mailbox(name: str) -> str:
    """An IMAP quoted string for a mailbox name (imaplib sends arguments as-is)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _can_listen_on(host: str) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
    except OSError:
        return False
    return True


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _multiappend(
    client: imaplib.IMAP4,
    folder: str,
    raws: list[bytes],
    flag_list: str | None,
    date: str | None,
) -> int:
    """One ``APPEND mailbox (flags) date {n+}<CRLF>msg (flags) date {n+}...`` command.

    Uses imaplib's (long-stable, if private) tag and response plumbing so that
    the connection stays usable afterwards.
    """
    prefix = b"".join(b" " + part.encode("ascii") for part in (flag_list, date) if part is not None)
    tag = client._new_tag()  # type: ignore[attr-defined]
    parts = [tag, b" APPEND ", quote_mailbox(folder).encode("utf-8")]
    for raw in raws:
        raw = _MAP_CRLF.sub(b"\r\n", raw)  # as imaplib.append() does
        parts += [prefix, b" {%d+}\r\n" % len(raw), raw]
    parts.append(b"\r\n")
    client.send(b"".join(parts))
    typ, data = client._command_complete("APPEND", tag)  # type: ignore[attr-defined]
    _check_ok(typ, data, f"MULTIAPPEND of {len(raws)} message(s) to {folder!r}")
    return len(raws)


def _check_ok(typ: str, data: object, what: str) -> None:
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what} failed: {typ} {data!r}")


class ImapServer:
    """A private Dovecot IMAP server on the loopback; see the module docstring.

    Attributes:
        host, port      where to connect (port is known once started); host is
                        127.0.0.1 for "ssl", 127.0.0.2 for "starttls" (see above)
        mode            "ssl" or "starttls"
        user, password  the one account (password is str; may be non-ASCII)
        ca_file         PEM of the CA a client should trust (deleted by stop())
        untrusted       True: the server certificate is NOT signed by ca_file's CA
        starttls_enforced  True unless Dovecot would accept a login before STARTTLS
        folder          the temporary folder holding everything (None when stopped)
        pid             Dovecot master's pid while running
    """

    def __init__(
        self,
        mode: str = "ssl",
        *,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        untrusted: bool = False,
        host: str | None = None,
        mail_user: str | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
        for name, value in (("user", user), ("password", password)):
            if not value or any(c in value for c in ":\r\n\0"):
                raise ValueError(f"{name} must be non-empty without ':', NUL or line breaks")
        self.mode = mode
        self.user = user
        self.password = password
        self.untrusted = untrusted
        if host is None:
            host = "127.0.0.1"
            if mode == "starttls" and _can_listen_on("127.0.0.2"):
                host = "127.0.0.2"  # see "Addresses" in the module docstring
        self.host = host
        #: False if Dovecot would let a client log in without STARTTLS (its
        #: remote IP == local IP rule); True in "ssl" mode.
        self.starttls_enforced = mode == "ssl" or host != "127.0.0.1"
        self.port: int = 0
        self.ca_file: str = ""
        self.folder: Path | None = None
        self.startup_timeout = startup_timeout
        self._mail_user = mail_user
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._stderr_path: Path | None = None
        self._last_log = ""
        self._finalizer: weakref.finalize | None = None

    # ------------------------------------------------------------------ public

    def __enter__(self) -> ImapServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ImapServer {self.mode} {self.host}:{self.port} {state}>"

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def client_context(self) -> ssl.SSLContext:
        """``ssl.create_default_context(cafile=self.ca_file)``, for convenience."""
        return ssl.create_default_context(cafile=self.ca_file)

    def start(self) -> None:
        """Write the configuration, start Dovecot, wait until it greets (or raise
        ImapServerError with its log)."""
        reason = dovecot_available()
        if reason is not None:
            raise ImapServerError(reason)
        if self._proc is not None:
            raise RuntimeError("ImapServer already started")
        try:
            self._prepare_folder()
            for attempt in range(3):  # the free port may be taken in between
                self.port = _free_port(self.host)
                self._write_config()
                if self._launch():
                    return
                if "Address already in use" not in self.log_text() or attempt == 2:
                    break
                self._reset_log()
            raise ImapServerError(
                f"Dovecot did not start on {self.host}:{self.port} "
                f"({self.mode}).\n--- log ---\n{self.log_text()}"
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Terminate Dovecot and all its children, delete the folder. Idempotent."""
        proc, self._proc = self._proc, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if proc is not None:
            _kill_group(proc)
        if self.folder is not None:
            with contextlib.suppress(OSError):
                self._last_log = self.log_text()
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def log_text(self) -> str:
        """Dovecot's log (plus anything it wrote to stderr), for debugging.

        After stop() this is the log as it was just before the folder was deleted.
        """
        if self.folder is None:
            return self._last_log
        parts = []
        for path in (self._stderr_path, self._log_path):
            if path is not None and path.exists():
                text = path.read_text("utf-8", errors="replace")
                if text:
                    parts.append(text)
        return "".join(parts)

    def connect(self, *, login: bool = True, timeout: float = CLIENT_TIMEOUT) -> imaplib.IMAP4:
        """A new imaplib client over verified TLS (IMAP4_SSL, or IMAP4 + STARTTLS),
        logged in unless ``login=False``. Close it with ``logout()`` (or ``with``).

        Note: with ``untrusted=True`` this fails verification, by design.
        """
        ctx = self.client_context()
        client: imaplib.IMAP4
        if self.mode == "ssl":
            client = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=ctx, timeout=timeout)
        else:
            client = imaplib.IMAP4(self.host, self.port, timeout=timeout)
            try:
                client.starttls(ssl_context=ctx)
            except BaseException:
                # A failed handshake already closed the socket (EBADF here).
                with contextlib.suppress(OSError):
                    client.shutdown()
                raise
        if login:
            try:
                self.login(client)
            except BaseException:
                with contextlib.suppress(OSError):
                    client.shutdown()
                raise
        return client

    def login(self, client: imaplib.IMAP4) -> None:
        """Log `client` in with AUTHENTICATE PLAIN (works for non-ASCII passwords)."""
        typ, data = client.authenticate("PLAIN", plain_auth(self.user, self.password))
        _check_ok(typ, data, "AUTHENTICATE PLAIN")

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: Sequence[str] = (),
        date_time: DateTime | None = None,
    ) -> None:
        """Put one message into `folder` (created if missing) with a real IMAP APPEND.

        IMAP requires CRLF line ends; imaplib turns bare LF/CR into CRLF, so only a
        CRLF message comes back byte-for-byte. `date_time` is imaplib's (INTERNALDATE).
        """
        if not isinstance(raw, bytes | bytearray):
            raise TypeError(f"append() wants bytes, not {type(raw).__name__}")
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        date = imaplib.Time2Internaldate(date_time) if date_time is not None else None
        with self.connect() as client:
            self._ensure_folder(client, folder)
            typ, data = client.append(quote_mailbox(folder), flag_list, date, bytes(raw))
            _check_ok(typ, data, f"APPEND to {folder!r}")

    def append_many(
        self,
        raws: Iterable[bytes],
        folder: str = "INBOX",
        flags: Sequence[str] = (),
        date_time: DateTime | None = None,
        *,
        batch: int = 500,
    ) -> int:
        """Like `append` for many messages over one connection; returns how many.

        Uses MULTIAPPEND with LITERAL+ (RFC 3502 / 7888; Dovecot has both): up to
        `batch` messages per APPEND command, sent without waiting for continuation
        requests -- about ten times faster than one imaplib ``append()`` each.
        Falls back to one APPEND per message if the server lacks either.
        """
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        date = imaplib.Time2Internaldate(date_time) if date_time is not None else None
        count = 0
        with self.connect() as client:
            self._ensure_folder(client, folder)
            typ, data = client.capability()
            _check_ok(typ, data, "CAPABILITY")
            caps = set(data[-1].upper().split()) if data and data[-1] else set()
            multi = {b"MULTIAPPEND", b"LITERAL+"} <= caps
            chunk: list[bytes] = []
            for raw in raws:
                if not isinstance(raw, bytes | bytearray):
                    raise TypeError(f"append() wants bytes, not {type(raw).__name__}")
                if not multi:
                    typ, data = client.append(quote_mailbox(folder), flag_list, date, bytes(raw))
                    _check_ok(typ, data, f"APPEND to {folder!r}")
                    count += 1
                    continue
                chunk.append(bytes(raw))
                if len(chunk) >= batch:
                    count += _multiappend(client, folder, chunk, flag_list, date)
                    chunk = []
            if chunk:
                count += _multiappend(client, folder, chunk, flag_list, date)
        return count

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The raw bytes (``BODY.PEEK[]``, CRLF) of every message now in `folder`,
        in UID order, fetched over IMAP read-only (no flag changes)."""
        with self.connect() as client:
            typ, data = client.select(quote_mailbox(folder), readonly=True)
            _check_ok(typ, data, f"EXAMINE {folder!r}")
            if int(data[0] or 0) == 0:
                return []
            typ, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
            _check_ok(typ, data, f"FETCH in {folder!r}")
            found: list[tuple[int, bytes]] = []
            for item in data:
                if isinstance(item, tuple):
                    match = re.search(rb"UID (\d+)", item[0])
                    found.append((int(match.group(1)) if match else 0, item[1]))
            found.sort(key=lambda pair: pair[0])
            return [body for _, body in found]

    def flags(self, folder: str = "INBOX") -> list[set[str]]:
        """The flags of every message in `folder`, in UID order (read-only), e.g.
        to check that nothing was marked \\Seen or \\Deleted. ``\\Recent`` (a
        per-session flag) is left out."""
        with self.connect() as client:
            typ, data = client.select(quote_mailbox(folder), readonly=True)
            _check_ok(typ, data, f"EXAMINE {folder!r}")
            if int(data[0] or 0) == 0:
                return []
            typ, data = client.uid("FETCH", "1:*", "(FLAGS)")
            _check_ok(typ, data, f"FETCH FLAGS in {folder!r}")
        found: list[tuple[int, set[str]]] = []
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid = re.search(rb"UID (\d+)", line)
            flags = re.search(rb"FLAGS \(([^)]*)\)", line)
            if uid and flags:
                names = set(flags.group(1).decode().split()) - {"\\Recent"}  # per session
                found.append((int(uid.group(1)), names))
        found.sort(key=lambda pair: pair[0])
        return [flags for _, flags in found]

    def folders(self) -> list[str]:
        """Names of all mailboxes, as LIST returns them (modified UTF-7, unquoted)."""
        with self.connect() as client:
            typ, data = client.list()
            _check_ok(typ, data, "LIST")
        names = []
        for line in data:
            if not isinstance(line, bytes):
                continue
            match = re.match(rb'\([^)]*\) (?:"[^"]*"|NIL) (.*)$', line)
            if match:
                name = match.group(1).decode("ascii", errors="replace")
                if name.startswith('"') and name.endswith('"'):
                    name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                names.append(name)
        return sorted(names)

    # ---------------------------------------------------------------- internal

    def _ensure_folder(self, client: imaplib.IMAP4, folder: str) -> None:
        if folder.upper() == "INBOX":
            return
        typ, data = client.create(quote_mailbox(folder))
        if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(
            d for d in data if isinstance(d, bytes)
        ):
            raise imaplib.IMAP4.error(f"CREATE {folder!r} failed: {typ} {data!r}")

    def _ids(self) -> tuple[str, str, str, int, int]:
        """(internal user, login user, mail user name, mail uid, mail gid)."""
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            return me.pw_name, me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

        def existing(*names: str) -> pwd.struct_passwd:
            for name in names:
                with contextlib.suppress(KeyError):
                    return pwd.getpwnam(name)
            raise ImapServerError(f"none of the users {names} exists")

        internal = existing("dovecot", "nobody")
        login = existing("dovenull", "nobody")
        mail = existing(*([self._mail_user] if self._mail_user else ["nobody", "dovenull"]))
        if mail.pw_uid == 0:
            raise ImapServerError("Dovecot refuses mail access as uid 0; pick another mail_user")
        return internal.pw_name, login.pw_name, mail.pw_name, mail.pw_uid, mail.pw_gid

    def _prepare_folder(self) -> None:
        # Short path: unix socket paths under base_dir must stay below ~108 bytes.
        parent = None if len(tempfile.gettempdir()) <= 40 else "/tmp"
        self.folder = Path(tempfile.mkdtemp(prefix="imapsrv-", dir=parent))
        # Dovecot's unprivileged processes must be able to traverse it (not list it).
        self.folder.chmod(0o711)
        internal, login, mail_name, uid, gid = self._ids()
        self._internal_user, self._login_user = internal, login
        self._uid, self._gid = uid, gid
        self._internal_group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name

        for sub in ("run", "state"):
            (self.folder / sub).mkdir()
        home = self.folder / "home"
        home.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(home, uid, gid)
        self._home = home
        self._log_path = self.folder / "dovecot.log"
        self._stderr_path = self.folder / "dovecot.stderr"

        ca = trustme.CA()
        ca_path = self.folder / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        self.ca_file = str(ca_path)
        issuer = trustme.CA() if self.untrusted else ca
        names = dict.fromkeys([self.host, "127.0.0.1", "localhost"])  # ordered, unique
        cert = issuer.issue_cert(*names)
        cert_path = self.folder / "server-cert.pem"
        cert_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        key_path = self.folder / "server-key.pem"
        cert.private_key_pem.write_to_path(str(key_path))
        key_path.chmod(0o600)  # read by Dovecot's config process (root / this user)

        # passwd-file: user:password:uid:gid:gecos:home:shell:extra_fields
        passwd = self.folder / "users"
        passwd.write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{uid}:{gid}::{home}::\n", encoding="utf-8"
        )
        # Read by the auth process, which runs as the internal user.
        passwd.chmod(0o644)

    def _write_config(self) -> None:
        assert self.folder is not None
        root = os.geteuid() == 0
        imap_port, imaps_port = (0, self.port) if self.mode == "ssl" else (self.port, 0)
        chroot = "" if root else "  chroot =\n"
        lines = f"""\
# Generated by tests/imapserver.py -- a private, throw-away Dovecot instance.
instance_name = imapsrv-{os.getpid()}-{self.port}
protocols = imap
listen = {self.host}
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self._log_path}
info_log_path = {self._log_path}
debug_log_path = {self._log_path}
auth_verbose = yes
verbose_proctitle = no

default_internal_user = {self._internal_user}
default_internal_group = {self._internal_group}
default_login_user = {self._login_user}
first_valid_uid = {self._uid}
last_valid_uid = 0
first_valid_gid = {self._gid if self._gid > 0 else 1}
last_valid_gid = 0

ssl = required
ssl_cert = <{self.folder}/server-cert.pem
ssl_key = <{self.folder}/server-key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_failure_delay = 0

mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.folder}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.folder}/users
}}

service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {imaps_port}
    ssl = yes
  }}
{chroot}}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
{chroot}}}
"""
        (self.folder / "dovecot.conf").write_text(lines, encoding="utf-8")

    def _reset_log(self) -> None:
        for path in (self._log_path, self._stderr_path):
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _launch(self) -> bool:
        """Start Dovecot; True once it greets, False if it exited (log has why)."""
        assert self.folder is not None and self._stderr_path is not None
        with open(self._stderr_path, "ab") as stderr:
            proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.folder / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,  # own process group: stop() can kill it all
            )
        self._proc = proc
        # Safety net for a server that is never stopped: kill Dovecot and delete
        # the folder when this object is garbage-collected or Python exits.
        if self._finalizer is not None:
            self._finalizer.detach()  # an earlier attempt's (its Dovecot is dead)
        self._finalizer = weakref.finalize(self, _cleanup, proc, self.folder)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self._proc = None
                _kill_group(proc)
                return False
            if self._greets():
                return True
            time.sleep(0.05)
        self._proc = None
        _kill_group(proc)
        raise ImapServerError(
            f"Dovecot did not greet on {self.host}:{self.port} within "
            f"{self.startup_timeout:g} s.\n--- log ---\n{self.log_text()}"
        )

    def _greets(self) -> bool:
        """True if the port accepts a connection and sends an IMAP greeting."""
        try:
            sock = socket.create_connection(self.address, timeout=1)
        except OSError:
            return False
        try:
            if self.mode == "ssl":
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE  # only probing; untrusted is fine here
                sock = ctx.wrap_socket(sock, server_hostname=self.host)
            return sock.recv(100).startswith(b"* OK")
        except OSError:
            return False
        finally:
            sock.close()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill Dovecot's whole process group and wait until none of it is alive.

    SIGKILL, not SIGTERM: the master's orderly shutdown takes a second or more
    and leaves children (log, open imap sessions) running after it exits, and
    everything is thrown away anyway. Children of the master are reaped by
    init; zombies waiting for that do not count as alive.
    """
    pgid = proc.pid  # start_new_session: the group id is the master's pid
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 5
    while live := _live_group_members(pgid):
        if time.monotonic() > deadline:
            raise ImapServerError(f"Dovecot processes {live} (group {pgid}) did not exit")
        for pid in live:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def _cleanup(proc: subprocess.Popen[bytes], folder: Path | None) -> None:
    """weakref.finalize callback of a server that was never stopped."""
    with contextlib.suppress(Exception):
        _kill_group(proc)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _live_group_members(pgid: int) -> list[int]:
    """Pids in process group `pgid` that are not zombies (Linux /proc; elsewhere
    approximated with ``killpg(pgid, 0)``)."""
    if not os.path.isdir("/proc/self"):
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [pgid]
    live = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            live.append(int(entry))
    return live


def imap_env(server: ImapServer) -> dict[str, str]:
    """The SUPPORT_IMAP_* settings that point `support` at this server."""
    return {
        "SUPPORT_IMAP_HOST": server.host,
        "SUPPORT_IMAP_PORT": str(server.port),
        "SUPPORT_IMAP_SECURITY": server.mode,
        "SUPPORT_IMAP_USER": server.user,
        "SUPPORT_IMAP_PASSWORD": server.password,
        "SUPPORT_IMAP_CA_FILE": server.ca_file,
    }
