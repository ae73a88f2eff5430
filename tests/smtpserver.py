"""A real, local SMTP server for tests, built on aiosmtpd.

Usage::

    with SmtpServer(mode="starttls") as srv:
        ctx = ssl.create_default_context(cafile=srv.ca_file)
        with smtplib.SMTP(srv.host, srv.port, timeout=5) as client:
            client.starttls(context=ctx)
            ...
        srv.wait_for(1)
        assert srv.messages[0].rcpt_tos == ["someone@example.com"]

The server runs its own asyncio event loop in a background thread, listens on
127.0.0.1 on a free port, and on exit aborts every open connection, cancels
every task, closes the loop and joins the thread, so nothing is left behind.

This module deliberately has no pytest dependency.

Modes
    ``"ssl"``       implicit TLS from the first byte (SMTPS, like port 465).
    ``"starttls"``  plain connection that offers STARTTLS; AUTH is refused
                    (538) and not advertised until STARTTLS has been done.
    ``"none"``      plain SMTP, no TLS at all; AUTH is allowed in the clear
                    (pass ``auth_require_tls=True`` to forbid it).

Behaviours
    ``"accept"``              store every message (reply 250).
    ``"451"`` ``"421"`` ``"452"`` ``"552"`` ``"554"``
                              answer the end of DATA with that code (421 also
                              closes the connection afterwards).
    ``"550"``                 refuse every recipient at RCPT TO with
                              ``550 5.1.1 Mailbox unavailable``.
    ``"535"``                 refuse every AUTH with ``535 5.7.8``.
    ``"hang"``                accept the TCP connection and never send a single
                              byte (no greeting, no TLS handshake, in any mode).
    ``"hang_after_data"``     behave normally but never answer the end of DATA.
    ``"disconnect_in_data"``  after ``354``, read one line of the message and
                              drop the connection.

OAuth 2.0
    ``oauth2_token="TOKEN"`` also offers AUTH XOAUTH2 and takes exactly that bearer token
    for ``user``; a wrong one gets Google's answer (334 with a JSON error, then 535 once
    the client sends its empty line). Without it XOAUTH2 is neither offered nor taken.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto as sslproto
import base64
import contextlib
import email
import email.policy
import logging
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session, TLSSetupException

__all__ = [
    "BEHAVIOURS",
    "DATA_REPLIES",
    "MODES",
    "AuthAttempt",
    "ReceivedMessage",
    "SmtpServer",
]

log = logging.getLogger(__name__)

MODES = frozenset({"ssl", "starttls", "none"})

#: Replies sent at the end of DATA for the behaviours that reject a message there.
DATA_REPLIES: dict[str, str] = {
    "421": "421 4.3.2 Service not available, closing transmission channel",
    "451": "451 4.3.0 Try again later",
    "452": "452 4.3.1 Insufficient system storage",
    "552": "552 5.3.4 Message size exceeds fixed maximum message size",
    "554": "554 5.6.0 Transaction failed",
}
RCPT_REJECT_REPLY = "550 5.1.1 Mailbox unavailable"
AUTH_OK_REPLY = "235 2.7.0 Authentication successful"
AUTH_FAIL_REPLY = "535 5.7.8 Authentication credentials invalid"

BEHAVIOURS = frozenset(
    {"accept", "550", "535", "hang", "hang_after_data", "disconnect_in_data", *DATA_REPLIES}
)

DEFAULT_USER = "customer@example.com"
DEFAULT_PASSWORD = "s3cret-pässword"


@dataclass(frozen=True)
class AuthAttempt:
    """One AUTH exchange that got as far as checking credentials."""

    mechanism: str  # "PLAIN", "LOGIN" or "XOAUTH2"
    login: str  # the login name the client sent (decoded as UTF-8)
    success: bool
    connection: int  # 1-based number of the connection it arrived on


@dataclass(frozen=True)
class ReceivedMessage:
    """A message whose DATA phase completed (whether or not it was accepted)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # raw bytes exactly as received (CRLF line ends, dot-unstuffed)
    message: EmailMessage  # `data` parsed with email.policy.default (CRLF -> LF first)
    auth_login: str | None  # login of a successful AUTH on that connection, else None
    connection: int  # 1-based number of the connection it arrived on
    tls: bool  # True if the session was encrypted (implicit TLS or STARTTLS)
    status: str | None  # reply sent at end of DATA; None = never answered
    mail_options: list[str] = field(default_factory=list)

    @property
    def login(self) -> str | None:
        """Alias of `auth_login`."""
        return self.auth_login


def _parse(raw: bytes) -> EmailMessage:
    # Parse with "\n" line ends, as if read from a file: with CRLF kept, 8bit
    # and quoted-printable text parts would come back from get_content() with
    # "\r\n" in them. `ReceivedMessage.data` keeps the bytes as received.
    msg = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


class _QuietSession(Session):
    """aiosmtpd's Session logs a deprecation *log warning* every time smtp_AUTH
    sets ``login_data`` (which it does itself on every successful AUTH); keep
    the value without the noise."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class _Handler:
    """aiosmtpd handler.

    NB: aiosmtpd turns every ``auth_*`` attribute of the handler into an AUTH
    mechanism and every ``handle_*`` attribute into a hook, so this class must
    not grow attributes with those prefixes by accident.
    """

    def __init__(self, srv: SmtpServer) -> None:
        self._srv = srv

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        srv = self._srv
        if srv.behaviour == "550" or address.lower() in srv._reject_rcpt:
            return RCPT_REJECT_REPLY
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        srv = self._srv
        behaviour = srv.behaviour
        if behaviour == "accept":
            status: str | None = f"250 2.0.0 OK queued as {len(srv.messages) + 1}"
        elif behaviour in DATA_REPLIES:
            status = DATA_REPLIES[behaviour]
        else:  # hang_after_data
            status = None
        raw = bytes(envelope.original_content or b"")
        assert isinstance(server, _SMTPSession)
        msg = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            data=raw,
            message=_parse(raw),
            auth_login=session.auth_data if session.authenticated else None,
            connection=server.connection_number,
            tls=server.is_encrypted,
            status=status,
            mail_options=list(envelope.mail_options),
        )
        srv._record_message(msg, accepted=behaviour == "accept")
        if status is None:
            # Never answer; the task is cancelled when the client goes away
            # or when the server stops.
            await asyncio.get_running_loop().create_future()
        if behaviour == "421":
            # 421 means "closing the channel": close right after the reply is
            # written (smtp_DATA pushes `status` before yielding to the loop).
            asyncio.get_running_loop().call_soon(server.close_transport)
        return status  # type: ignore[return-value]

    async def handle_exception(self, error: Exception) -> str:
        if not isinstance(error, TLSSetupException):  # failed STARTTLS handshake: expected
            log.error("SmtpServer: exception in SMTP session", exc_info=error)
            self._srv.errors.append(error)
        return f"500 Error: ({error.__class__.__name__}) {error}"


class _SMTPSession(SMTP):
    """aiosmtpd's SMTP protocol plus connection tracking and test behaviours.

    NB: every ``smtp_*`` method is an SMTP command and every ``auth_*``
    attribute an AUTH mechanism; do not add others by accident.
    """

    def __init__(self, srv: SmtpServer, implicit_tls: bool, **kwargs: Any) -> None:
        self._srv = srv
        self._implicit_tls = implicit_tls
        self._raw_transport: asyncio.BaseTransport | None = None
        self.connection_number = 0
        super().__init__(srv._handler, **kwargs)

    def _create_session(self) -> Session:
        return _QuietSession(self.loop)

    @property
    def is_encrypted(self) -> bool:
        return self._implicit_tls or self._tls_protocol is not None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.connection_number == 0:  # the first call, not the one after STARTTLS
            self.connection_number = self._srv._new_connection()
            if not self._implicit_tls:  # implicit TLS: the raw transport is tracked already
                self._raw_transport = transport
                self._srv._track(transport)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._raw_transport is not None:
            self._srv._untrack(self._raw_transport)
        super().connection_lost(error)

    def close_transport(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def smtp_AUTH(self, arg: str) -> None:
        self._srv.auth_seen = True  # even before TLS, even if refused
        await super().smtp_AUTH(arg)

    async def auth_XOAUTH2(self, _: SMTP, args: list[str]) -> AuthResult:
        """RFC-less but universal (Google, Microsoft): `user=U^Aauth=Bearer T^A^A`."""
        raw = await self.challenge_auth("") if len(args) == 1 else args[1].encode()
        if not isinstance(raw, bytes):  # the client cancelled with "*"
            return AuthResult(success=False)
        try:
            fields = dict(
                f.split("=", 1) for f in base64.b64decode(raw).decode().split("\x01") if f
            )
        except ValueError:
            await self.push("501 5.5.2 Can't decode XOAUTH2")
            return AuthResult(success=False, handled=True)
        srv = self._srv
        login = fields.get("user", "")
        ok = login == srv.user and fields.get("auth") == f"Bearer {srv.oauth2_token}"
        srv.auth_attempts.append(AuthAttempt("XOAUTH2", login, ok, self.connection_number))
        if ok:
            return AuthResult(success=True, auth_data=login)
        await self.challenge_auth('{"status":"401","schemes":"bearer"}')
        return AuthResult(success=False, handled=False, message=AUTH_FAIL_REPLY)

    async def smtp_DATA(self, arg: str) -> None:
        if self._srv.behaviour != "disconnect_in_data":
            await super().smtp_DATA(arg)
            return
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")  # the first line of the message
        self._srv._abort_connection_of(self)
        # End this session now. Returning would make aiosmtpd's command loop
        # parse the rest of the already-buffered message as commands and try
        # to answer them on the dead (possibly TLS) transport.
        raise asyncio.CancelledError


class _TrackedTLSProtocol(sslproto.SSLProtocol):
    """Server-side implicit TLS that lets SmtpServer see the raw TCP transport.

    With ``loop.create_server(ssl=...)`` the raw transport is hidden, and once
    the app-level transport has been closed twice (which aiosmtpd does on QUIT)
    ``abort()`` on it is a no-op, so a half-closed TLS connection could survive
    ``stop()``. Building the TLS layer ourselves keeps a handle on it.
    """

    def __init__(self, srv: SmtpServer, *args: Any, **kwargs: Any) -> None:
        self._srv = srv
        super().__init__(*args, **kwargs)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._srv._track(transport)
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._transport is not None:
            self._srv._untrack(self._transport)
        super().connection_lost(exc)


class _SilentProtocol(asyncio.Protocol):
    """For behaviour "hang": accept, swallow whatever arrives, never write."""

    def __init__(self, srv: SmtpServer) -> None:
        self._srv = srv
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._srv._new_connection()
        self._srv._track(transport)

    def data_received(self, data: bytes) -> None:
        pass

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._srv._untrack(self._transport)


class SmtpServer:
    """A real SMTP server on 127.0.0.1 for tests; see the module docstring.

    Attributes (read them from the test thread at will):
        host, port        where to connect (port is only known once started)
        ca_file           PEM file of the CA that a client should trust (deleted
                          by stop())
        messages          list[ReceivedMessage] accepted with 250
        rejected          list[ReceivedMessage] whose DATA completed but that
                          got an error reply (or none, for hang_after_data)
        auth_attempts     list[AuthAttempt], in order
        auth_seen         True once any AUTH command arrived (even before TLS)
        connections       number of TCP connections that reached the SMTP
                          session (after the TLS handshake in "ssl" mode); for
                          "hang", the number of TCP connections accepted
        errors            unexpected exceptions inside the server (should stay empty)
    """

    def __init__(
        self,
        mode: str = "starttls",
        behaviour: str = "accept",
        *,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        untrusted: bool = False,
        wrong_host: bool = False,
        reject_rcpt: Iterable[str] = (),
        auth_require_tls: bool | None = None,
        auth_required: bool = False,
        require_starttls: bool = False,
        host: str = "127.0.0.1",
        server_hostname: str = "smtp.test.example",
        session_timeout: float = 60.0,
        oauth2_token: str | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {sorted(BEHAVIOURS)}, not {behaviour!r}")
        if untrusted and wrong_host:
            raise ValueError("untrusted and wrong_host are mutually exclusive")
        self.mode = mode
        self.behaviour = behaviour
        self.user = user
        self.password = password
        self.untrusted = untrusted
        self.wrong_host = wrong_host
        self._reject_rcpt = frozenset(a.lower() for a in reject_rcpt)
        if auth_require_tls is None:
            # "ssl": aiosmtpd only counts STARTTLS as TLS (its _tls_protocol is
            # None under implicit TLS), so True would refuse AUTH there forever.
            auth_require_tls = mode == "starttls"
        self.auth_require_tls = auth_require_tls
        self.auth_required = auth_required
        self.require_starttls = require_starttls
        self.host = host
        self.server_hostname = server_hostname
        self.session_timeout = session_timeout
        self.oauth2_token = oauth2_token

        self.port: int = 0
        self.ca_file: str = ""
        self.messages: list[ReceivedMessage] = []
        self.rejected: list[ReceivedMessage] = []
        self.auth_attempts: list[AuthAttempt] = []
        self.auth_seen = False
        self.connections = 0
        self.errors: list[BaseException] = []

        self._handler = _Handler(self)
        self._cond = threading.Condition()
        self._transports: set[asyncio.Transport] = set()
        self._tmpdir: str | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._startup_error: BaseException | None = None

    # ------------------------------------------------------------------ public

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return (
            f"<SmtpServer {self.mode}/{self.behaviour} {self.host}:{self.port} "
            f"messages={len(self.messages)} connections={self.connections}>"
        )

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def client_context(self) -> ssl.SSLContext:
        """``ssl.create_default_context(cafile=self.ca_file)``, for convenience."""
        return ssl.create_default_context(cafile=self.ca_file)

    def wait_for(self, n: int = 1, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Wait until at least `n` messages were accepted; return them all.

        Raises TimeoutError if that does not happen within `timeout` seconds.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= n, timeout):
                raise TimeoutError(
                    f"expected {n} message(s) within {timeout}s, got {len(self.messages)}"
                )
            return list(self.messages)

    def wait_for_connections(self, n: int = 1, timeout: float = 5.0) -> int:
        """Wait until at least `n` connections were counted; return the count."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.connections >= n, timeout):
                raise TimeoutError(
                    f"expected {n} connection(s) within {timeout}s, got {self.connections}"
                )
            return self.connections

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("SmtpServer already started")
        try:
            self._make_certificates()
            self._loop = asyncio.new_event_loop()
            self._loop.set_exception_handler(self._loop_exception)
            ready = threading.Event()
            self._thread = threading.Thread(
                target=self._run,
                args=(ready,),
                name=f"SmtpServer-{self.mode}-{self.behaviour}",
                daemon=True,
            )
            self._thread.start()
            if not ready.wait(10):
                raise TimeoutError("SmtpServer did not start within 10 s")
            if self._startup_error is not None:
                raise self._startup_error
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Abort all connections, stop the loop, join the thread. Idempotent."""
        thread, loop = self._thread, self._loop
        if thread is not None and loop is not None:
            if thread.is_alive():
                with contextlib.suppress(RuntimeError):  # loop already closed
                    loop.call_soon_threadsafe(loop.stop)
                thread.join(15)
                if thread.is_alive():  # pragma: no cover - would be a bug here
                    raise RuntimeError("SmtpServer thread did not stop")
        elif loop is not None and not loop.is_closed():
            loop.close()
        self._thread = None
        self._loop = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # ---------------------------------------------------------------- internal

    def _make_certificates(self) -> None:
        self._tmpdir = tempfile.mkdtemp(prefix="smtpserver-")
        ca = trustme.CA()
        ca_path = Path(self._tmpdir, "ca.pem")
        ca.cert_pem.write_to_path(ca_path)
        self.ca_file = str(ca_path)
        if self.untrusted:
            cert = trustme.CA().issue_cert("127.0.0.1", "localhost")
        elif self.wrong_host:
            cert = ca.issue_cert("wrong.example")
        else:
            cert = ca.issue_cert("127.0.0.1", "localhost")
        if self.mode != "none":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # no client certs
            cert.configure_cert(ctx)
            self._ssl_context = ctx

    def _protocol_factory(self) -> asyncio.BaseProtocol:
        assert self._loop is not None
        if self.behaviour == "hang":
            return _SilentProtocol(self)
        implicit = self.mode == "ssl"
        smtp = _SMTPSession(
            self,
            implicit,
            loop=self._loop,
            hostname=self.server_hostname,  # else aiosmtpd calls socket.getfqdn()
            enable_SMTPUTF8=True,
            tls_context=self._ssl_context if self.mode == "starttls" else None,
            require_starttls=self.require_starttls,
            auth_require_tls=self.auth_require_tls,
            auth_required=self.auth_required,
            timeout=self.session_timeout,
            authenticator=self._authenticate,
            auth_exclude_mechanism=[] if self.oauth2_token else ["XOAUTH2"],
        )
        if implicit:
            assert self._ssl_context is not None
            return _TrackedTLSProtocol(
                self, self._loop, smtp, self._ssl_context, None, server_side=True
            )
        return smtp

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            try:
                self._server = loop.run_until_complete(
                    loop.create_server(self._protocol_factory, self.host, 0)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:
                self._startup_error = exc
                return
            finally:
                ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for transport in list(self._transports):
            transport.abort()  # raw TCP: closes now, even mid-TLS or mid-hang
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()
        # Let the connection_lost() callbacks scheduled by abort() run; they
        # are what actually closes the sockets.
        deadline = time.monotonic() + 2
        while self._transports and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for _ in range(3):
            await asyncio.sleep(0)

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, (ssl.SSLError, ConnectionError, asyncio.CancelledError)):
            return  # clients failing TLS verification or vanishing: expected here
        self.errors.append(exc or RuntimeError(context.get("message", "asyncio error")))
        loop.default_exception_handler(context)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """aiosmtpd ``authenticator`` callback, used by its PLAIN and LOGIN."""
        assert isinstance(server, _SMTPSession)
        assert isinstance(auth_data, LoginPassword)
        login = auth_data.login.decode("utf-8", errors="replace")
        ok = (
            self.behaviour != "535"
            and auth_data.login == self.user.encode("utf-8")
            and auth_data.password == self.password.encode("utf-8")
        )
        self.auth_attempts.append(AuthAttempt(mechanism, login, ok, server.connection_number))
        if ok:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False, message=AUTH_FAIL_REPLY)

    def _new_connection(self) -> int:
        with self._cond:
            self.connections += 1
            self._cond.notify_all()
            return self.connections

    def _track(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transports.add(transport)

    def _untrack(self, transport: asyncio.BaseTransport) -> None:
        self._transports.discard(transport)  # type: ignore[arg-type]

    def _abort_connection_of(self, smtp: _SMTPSession) -> None:
        transport = smtp._raw_transport or smtp.transport  # implicit TLS: app -> raw abort
        if isinstance(transport, asyncio.Transport):
            transport.abort()

    def _record_message(self, msg: ReceivedMessage, *, accepted: bool) -> None:
        with self._cond:
            (self.messages if accepted else self.rejected).append(msg)
            self._cond.notify_all()


#: Sockets bound by free_port, kept open (never listening) until the process exits.
_RESERVED: list[socket.socket] = []


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port where a connection is refused (for "connection refused" tests).

    The port stays bound, without listening, for the rest of the process: a connection
    to it is refused, and no other test (in a parallel worker too) can start a server on
    it meanwhile, which a port that was merely free a moment ago would allow."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((host, 0))
    _RESERVED.append(s)
    return s.getsockname()[1]
