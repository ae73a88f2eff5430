"""Tests of the SMTP test server (tests/smtpserver.py), driven with plain smtplib.

These prove that the server really does what the rest of the suite relies on:
TLS modes with real certificate verification, AUTH, every error behaviour,
hangs, and byte-exact message capture.
"""

from __future__ import annotations

import base64
import gc
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import pytest

try:
    from smtpserver import DEFAULT_PASSWORD, DEFAULT_USER, AuthAttempt, SmtpServer
except ImportError:  # tests/ became a package
    from tests.smtpserver import (  # type: ignore[no-redef]
        DEFAULT_PASSWORD,
        DEFAULT_USER,
        AuthAttempt,
        SmtpServer,
    )

pytestmark = [
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

CLIENT_NAME = "client.test.example"  # else smtplib calls socket.getfqdn() (slow DNS)
SENDER = "customer@example.com"
RCPT = "help@support.example.com"
SIMPLE = b"From: customer@example.com\r\nTo: help@support.example.com\r\nSubject: hi\r\n\r\nHi\r\n"

ServerFactory = Callable[..., SmtpServer]


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("SmtpServer-")]


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    assert not _server_threads()
    yield
    gc.collect()  # make unclosed sockets/transports warn now, inside this test
    assert not _server_threads()


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    servers: list[SmtpServer] = []

    def factory(**kwargs: object) -> SmtpServer:
        srv = SmtpServer(**kwargs)  # type: ignore[arg-type]
        srv.start()
        servers.append(srv)
        return srv

    yield factory
    for srv in servers:
        srv.stop()
    for srv in servers:
        assert srv.errors == []


def connect(srv: SmtpServer, timeout: float = 5.0) -> smtplib.SMTP:
    """Connect with verification against srv.ca_file, doing STARTTLS if needed."""
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    if srv.mode == "ssl":
        return smtplib.SMTP_SSL(
            srv.host, srv.port, local_hostname=CLIENT_NAME, timeout=timeout, context=ctx
        )
    client = smtplib.SMTP(srv.host, srv.port, local_hostname=CLIENT_NAME, timeout=timeout)
    if srv.mode == "starttls":
        try:
            client.starttls(context=ctx)
        except BaseException:
            client.close()
            raise
    return client


def auth_utf8(client: smtplib.SMTP, mechanism: str, user: str, password: str) -> tuple[int, bytes]:
    """AUTH with UTF-8 credentials.

    smtplib.login() cannot do this: SMTP.auth() encodes the response with
    .encode('ascii'), so a password like "s3cret-pässword" raises
    UnicodeEncodeError on the client before anything is sent.
    """
    client.ehlo_or_helo_if_needed()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    if mechanism == "PLAIN":
        blob = b"\0" + user.encode() + b"\0" + password.encode()
        return client.docmd("AUTH", "PLAIN " + b64(blob))
    code, resp = client.docmd("AUTH", "LOGIN " + b64(user.encode()))
    assert code == 334, (code, resp)
    return client.docmd(b64(password.encode()))


# --------------------------------------------------------------------- TLS / AUTH


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_verified_auth_and_delivery(make_server: ServerFactory, mechanism: str) -> None:
    srv = make_server(mode="starttls")
    with smtplib.SMTP(srv.host, srv.port, local_hostname=CLIENT_NAME, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")  # not before TLS
        client.starttls(context=ssl.create_default_context(cafile=srv.ca_file))
        client.ehlo()
        assert set(client.esmtp_features["auth"].upper().split()) == {"PLAIN", "LOGIN"}
        code, resp = auth_utf8(client, mechanism, DEFAULT_USER, DEFAULT_PASSWORD)
        assert (code, resp) == (235, b"2.7.0 Authentication successful")
        assert client.sendmail(SENDER, [RCPT], SIMPLE) == {}
    (msg,) = srv.wait_for(1, timeout=5)
    assert msg.mail_from == SENDER
    assert msg.rcpt_tos == [RCPT]
    assert msg.data == SIMPLE
    assert msg.message["subject"] == "hi"
    assert msg.auth_login == DEFAULT_USER
    assert msg.tls is True
    assert msg.connection == 1
    assert srv.connections == 1
    assert srv.auth_seen is True
    assert srv.auth_attempts == [AuthAttempt(mechanism, DEFAULT_USER, True, 1)]


def test_starttls_refuses_auth_before_tls(make_server: ServerFactory) -> None:
    srv = make_server(mode="starttls")
    with smtplib.SMTP(srv.host, srv.port, local_hostname=CLIENT_NAME, timeout=5) as client:
        code, resp = auth_utf8(client, "PLAIN", DEFAULT_USER, DEFAULT_PASSWORD)
        assert code == 538, resp
    assert srv.auth_seen is True
    assert srv.auth_attempts == []


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_ssl_verified_auth_and_delivery(make_server: ServerFactory, mechanism: str) -> None:
    srv = make_server(mode="ssl")
    with connect(srv) as client:
        code, _ = auth_utf8(client, mechanism, DEFAULT_USER, DEFAULT_PASSWORD)
        assert code == 235
        assert not client.has_extn("starttls")
        client.sendmail(SENDER, [RCPT], SIMPLE)
    (msg,) = srv.wait_for(1)
    assert msg.tls is True
    assert msg.auth_login == DEFAULT_USER
    assert srv.auth_attempts == [AuthAttempt(mechanism, DEFAULT_USER, True, 1)]


@pytest.mark.parametrize("mode", ["ssl", "starttls", "none"])
def test_smtplib_login_and_send(make_server: ServerFactory, mode: str) -> None:
    srv = make_server(mode=mode, user="ascii-user", password="ascii-pass")
    with connect(srv) as client:
        assert client.login("ascii-user", "ascii-pass")[0] == 235
        client.sendmail(SENDER, [RCPT], SIMPLE)
        if mode == "none":
            assert not client.has_extn("starttls")
    (msg,) = srv.wait_for(1)
    assert msg.auth_login == "ascii-user"
    assert msg.tls is (mode != "none")
    assert [a.success for a in srv.auth_attempts] == [True]


def test_sending_without_auth_is_allowed_by_default(make_server: ServerFactory) -> None:
    srv = make_server(mode="none")
    with connect(srv) as client:
        client.sendmail(SENDER, [RCPT], SIMPLE)
    (msg,) = srv.wait_for(1)
    assert msg.auth_login is None
    assert srv.auth_seen is False


def test_wrong_credentials_get_535(make_server: ServerFactory) -> None:
    srv = make_server(mode="starttls")
    with connect(srv) as client:
        code, resp = auth_utf8(client, "PLAIN", DEFAULT_USER, "wrong")
        assert (code, resp) == (535, b"5.7.8 Authentication credentials invalid")
        # smtplib.login() falls back to the next mechanism after a 535: two attempts.
        with pytest.raises(smtplib.SMTPAuthenticationError) as info:
            client.login("nobody@example.com", "nope")
        assert info.value.smtp_code == 535
    assert srv.auth_attempts == [
        AuthAttempt("PLAIN", DEFAULT_USER, False, 1),
        AuthAttempt("PLAIN", "nobody@example.com", False, 1),
        AuthAttempt("LOGIN", "nobody@example.com", False, 1),
    ]


def test_behaviour_535_refuses_even_right_credentials(make_server: ServerFactory) -> None:
    srv = make_server(mode="ssl", behaviour="535")
    with connect(srv) as client:
        code, resp = auth_utf8(client, "LOGIN", DEFAULT_USER, DEFAULT_PASSWORD)
        assert code == 535 and resp.startswith(b"5.7.8")
    assert srv.auth_attempts == [AuthAttempt("LOGIN", DEFAULT_USER, False, 1)]


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
@pytest.mark.parametrize("problem", ["untrusted", "wrong_host"])
def test_certificate_verification_fails(
    make_server: ServerFactory, mode: str, problem: str
) -> None:
    srv = make_server(mode=mode, **{problem: True})
    with pytest.raises(ssl.SSLCertVerificationError) as info:
        connect(srv)
    if problem == "untrusted":
        assert info.value.verify_message == "unable to get local issuer certificate"
    else:
        assert "mismatch" in info.value.verify_message
    assert srv.auth_seen is False
    assert srv.auth_attempts == []
    assert srv.messages == []


def _tls_greeting(srv: SmtpServer, server_hostname: str) -> bytes:
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    with (
        socket.create_connection(srv.address, timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname=server_hostname) as tls,
    ):
        greeting = tls.recv(1024)
        tls.sendall(b"QUIT\r\n")
        tls.recv(1024)
        return greeting


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_certificate_names(make_server: ServerFactory, name: str) -> None:
    srv = make_server(mode="ssl")
    assert _tls_greeting(srv, name).startswith(b"220 ")


def test_wrong_host_cert_is_signed_by_exposed_ca(make_server: ServerFactory) -> None:
    srv = make_server(mode="ssl", wrong_host=True)
    assert _tls_greeting(srv, "wrong.example").startswith(b"220 ")


# ------------------------------------------------------------ error behaviours


@pytest.mark.parametrize("code", [451, 452, 552, 554])
def test_data_rejections(make_server: ServerFactory, code: int) -> None:
    srv = make_server(mode="none", behaviour=str(code))
    with connect(srv) as client:
        with pytest.raises(smtplib.SMTPDataError) as info:
            client.sendmail(SENDER, [RCPT], SIMPLE)
        assert info.value.smtp_code == code
        assert client.noop()[0] == 250  # connection still usable
    if code == 451:
        assert info.value.smtp_error == b"4.3.0 Try again later"
    assert srv.messages == []
    (rejected,) = srv.rejected
    assert rejected.data == SIMPLE
    assert rejected.status is not None and rejected.status.startswith(str(code))


def test_421_rejects_and_closes(make_server: ServerFactory) -> None:
    srv = make_server(mode="starttls", behaviour="421")
    with connect(srv) as client:
        with pytest.raises(smtplib.SMTPDataError) as info:
            client.sendmail(SENDER, [RCPT], SIMPLE)
        assert info.value.smtp_code == 421
        assert client.sock is None  # smtplib closes on 421
    # The server closed its side too: a new connection is needed and works.
    with connect(srv) as client:
        assert client.noop()[0] == 250
    assert srv.connections == 2
    assert srv.messages == []


def test_550_refuses_all_recipients(make_server: ServerFactory) -> None:
    srv = make_server(mode="ssl", behaviour="550")
    with connect(srv) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        client.sendmail(SENDER, [RCPT, "other@example.com"], SIMPLE)
    assert info.value.recipients == {
        RCPT: (550, b"5.1.1 Mailbox unavailable"),
        "other@example.com": (550, b"5.1.1 Mailbox unavailable"),
    }
    assert srv.messages == [] and srv.rejected == []


def test_reject_rcpt_refuses_only_some(make_server: ServerFactory) -> None:
    srv = make_server(mode="none", reject_rcpt={"bad@example.com"})
    with connect(srv) as client:
        refused = client.sendmail(SENDER, ["good@example.com", "Bad@Example.com"], SIMPLE)
    assert refused == {"Bad@Example.com": (550, b"5.1.1 Mailbox unavailable")}
    (msg,) = srv.wait_for(1)
    assert msg.rcpt_tos == ["good@example.com"]


@pytest.mark.parametrize("mode", ["none", "ssl"])
def test_hang_times_out_and_stop_does_not_block(mode: str) -> None:
    srv = SmtpServer(mode=mode, behaviour="hang")
    with srv:
        started = time.monotonic()
        if mode == "ssl":
            # Not even a TLS handshake happens.
            with pytest.raises(TimeoutError):
                connect(srv, timeout=2)
        else:
            with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out") as info:
                connect(srv, timeout=2)
            assert isinstance(info.value.__context__, TimeoutError)
        assert 1.5 < time.monotonic() - started < 5
        assert srv.connections == 1
        # A connection that is still held open must not block stop().
        held = socket.create_connection(srv.address, timeout=2)
        srv.wait_for_connections(2)  # accepted by the server, not just queued by the kernel
        stopping = time.monotonic()
    try:
        assert time.monotonic() - stopping < 2
        assert held.recv(10) == b""  # the server dropped it, and never said a word
    finally:
        held.close()
    assert srv.errors == []


def test_hang_after_data(make_server: ServerFactory) -> None:
    srv = make_server(mode="starttls", behaviour="hang_after_data")
    with connect(srv, timeout=2) as client:
        auth_utf8(client, "PLAIN", DEFAULT_USER, DEFAULT_PASSWORD)
        started = time.monotonic()
        with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
            client.sendmail(SENDER, [RCPT], SIMPLE)
        assert 1.5 < time.monotonic() - started < 5
    assert srv.messages == []
    (unanswered,) = srv.rejected
    assert unanswered.data == SIMPLE and unanswered.status is None


@pytest.mark.parametrize("mode", ["none", "ssl", "starttls"])
def test_disconnect_in_data(make_server: ServerFactory, mode: str) -> None:
    srv = make_server(mode=mode, behaviour="disconnect_in_data")
    with connect(srv) as client, pytest.raises(smtplib.SMTPServerDisconnected):
        client.sendmail(SENDER, [RCPT], SIMPLE + b"more\r\n" * 2000)
    assert srv.messages == [] and srv.rejected == []


# ---------------------------------------------------------------- messages


def test_korean_subject_and_attachment_arrive_intact(make_server: ServerFactory) -> None:
    subject = "주문 배송 문의 — 영수증 첨부"
    body = "안녕하세요,\n주문한 상품이 아직 도착하지 않았습니다.\n"
    filename = "영수증_2024.pdf"
    payload = b"%PDF-1.4\n" + bytes(range(256)) * 4
    msg = EmailMessage()
    msg["From"] = f"김고객 <{SENDER}>"
    msg["To"] = RCPT
    msg["Subject"] = subject
    msg.set_content(body)
    msg.add_attachment(payload, maintype="application", subtype="pdf", filename=filename)
    raw = msg.as_bytes(policy=SMTP_POLICY)

    srv = make_server(mode="starttls")
    with connect(srv) as client:
        auth_utf8(client, "PLAIN", DEFAULT_USER, DEFAULT_PASSWORD)
        client.sendmail(SENDER, [RCPT], raw)
    (got,) = srv.wait_for(1)
    assert got.data == raw  # byte for byte
    assert b"Subject: =?utf-8?" in got.data  # RFC 2047 on the wire
    assert got.message["subject"] == subject
    assert got.message["from"].addresses[0].display_name == "김고객"
    text_part = got.message.get_body(("plain",))
    assert text_part is not None and text_part.get_content() == body
    (attachment,) = got.message.iter_attachments()
    assert attachment.get_filename() == filename
    assert attachment.get_content() == payload


def test_dot_stuffing_is_undone(make_server: ServerFactory) -> None:
    raw = b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nend\r\n"
    srv = make_server(mode="none")
    with connect(srv) as client:
        client.sendmail(SENDER, [RCPT], raw)
    assert srv.wait_for(1)[0].data == raw


def test_two_messages_over_one_connection(make_server: ServerFactory) -> None:
    srv = make_server(mode="ssl")
    with connect(srv) as client:
        auth_utf8(client, "LOGIN", DEFAULT_USER, DEFAULT_PASSWORD)
        client.sendmail(SENDER, ["a@example.com"], SIMPLE)
        client.sendmail(SENDER, ["b@example.com"], SIMPLE.replace(b"hi", b"second"))
    first, second = srv.wait_for(2)
    assert srv.connections == 1
    assert (first.connection, second.connection) == (1, 1)
    assert [first.rcpt_tos, second.rcpt_tos] == [["a@example.com"], ["b@example.com"]]
    assert second.message["subject"] == "second"
    assert second.auth_login == DEFAULT_USER
    with connect(srv) as client:
        client.sendmail(SENDER, ["c@example.com"], SIMPLE)
    assert srv.wait_for(3)[2].connection == 2
    assert srv.connections == 2


# ------------------------------------------------------------------ lifecycle


def test_wait_for_times_out(make_server: ServerFactory) -> None:
    srv = make_server(mode="none")
    with pytest.raises(TimeoutError):
        srv.wait_for(1, timeout=0.1)


def test_stop_with_open_sessions_leaks_nothing() -> None:
    fd_dir = "/proc/self/fd"
    before = len(os.listdir(fd_dir)) if os.path.isdir(fd_dir) else None
    clients: list[smtplib.SMTP] = []
    with SmtpServer(mode="starttls") as srv:
        ca_file = srv.ca_file
        for _ in range(3):
            client = connect(srv)
            client.ehlo()
            clients.append(client)  # left open, mid-session
        assert srv.wait_for_connections(3) == 3
    assert not os.path.exists(ca_file)
    for client in clients:
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.noop()
        client.close()
    gc.collect()
    if before is not None:
        assert len(os.listdir(fd_dir)) == before


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        SmtpServer(mode="tls")
    with pytest.raises(ValueError):
        SmtpServer(behaviour="teapot")
