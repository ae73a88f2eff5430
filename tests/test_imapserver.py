"""Tests of the IMAP test server (tests/imapserver.py), driven with plain imaplib.

They prove that the Dovecot fixture does what the rest of the suite relies on:
both TLS modes with real certificate verification, STARTTLS really required,
the (non-ASCII) credentials, APPEND/SEARCH, byte-exact storage, a large mailbox,
and a clean start/stop with no process left behind.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import gc
import imaplib
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest

try:
    import imapserver
    import servers
    from imapserver import (
        DEFAULT_PASSWORD,
        DEFAULT_USER,
        ImapServer,
        ImapServerError,
        require_dovecot,
    )
except ImportError:  # tests/ became a package
    from tests import (
        imapserver,  # type: ignore[no-redef]
        servers,  # type: ignore[no-redef]
    )
    from tests.imapserver import (  # type: ignore[no-redef]
        DEFAULT_PASSWORD,
        DEFAULT_USER,
        ImapServer,
        ImapServerError,
        require_dovecot,
    )

pytestmark = [
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

ServerFactory = Callable[..., ImapServer]

SIMPLE = b"From: customer@example.com\r\nTo: help@support.example.com\r\nSubject: hi\r\n\r\nHi\r\n"


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """Start ImapServers on demand; all are stopped (and checked gone) afterwards."""
    require_dovecot()
    started: list[ImapServer] = []

    def make(*args: object, **kwargs: object) -> ImapServer:
        srv = ImapServer(*args, **kwargs)  # type: ignore[arg-type]
        started.append(srv)
        srv.start()
        return srv

    yield make
    for srv in started:
        pid = srv.pid
        srv.stop()
        if pid is not None:
            assert imapserver._live_group_members(pid) == []


def plain(user: str, password: str) -> Callable[[bytes], bytes]:
    """AUTHENTICATE PLAIN for imaplib (LOGIN cannot send a non-ASCII password)."""
    return lambda _challenge: f"\0{user}\0{password}".encode()


def ssl_client(srv: ImapServer, ctx: ssl.SSLContext) -> imaplib.IMAP4_SSL:
    return imaplib.IMAP4_SSL(srv.host, srv.port, ssl_context=ctx, timeout=10)


def starttls_client(srv: ImapServer, ctx: ssl.SSLContext) -> imaplib.IMAP4:
    client = imaplib.IMAP4(srv.host, srv.port, timeout=10)
    try:
        client.starttls(ssl_context=ctx)
    except BaseException:
        with contextlib.suppress(OSError):  # a failed handshake closed the socket
            client.shutdown()
        raise
    return client


def client_for(srv: ImapServer) -> imaplib.IMAP4:
    """A verified-TLS, logged-in plain imaplib client (independent of srv.connect)."""
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    client = ssl_client(srv, ctx) if srv.mode == "ssl" else starttls_client(srv, ctx)
    client.authenticate("PLAIN", plain(srv.user, srv.password))
    return client


def message(n: int, **headers: str) -> bytes:
    """A small unrelated message; keyword arguments add or replace headers."""
    msg = EmailMessage(policy=email.policy.SMTP)  # CRLF line ends, as IMAP stores them
    msg["From"] = f"sender{n}@example.org"
    msg["To"] = "customer@example.com"
    msg["Subject"] = f"Newsletter {n}"
    msg["Date"] = "Tue, 04 Mar 2025 10:00:00 +0000"
    msg["Message-ID"] = f"<news-{n}@example.org>"
    for name, value in headers.items():
        del msg[name.replace("_", "-")]
        msg[name.replace("_", "-")] = value
    msg.set_content(f"Unrelated message number {n}.\n")
    return msg.as_bytes()


def quick_message(n: int) -> bytes:
    """`message(n)` without the (slow, for thousands) email package."""
    return (
        f"From: sender{n}@example.org\r\nTo: customer@example.com\r\n"
        f"Subject: Newsletter {n}\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\n"
        f"Message-ID: <news-{n}@example.org>\r\n\r\nUnrelated message number {n}.\r\n"
    ).encode()


# ------------------------------------------------------------------- TLS and login


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_login_with_verified_tls(make_server: ServerFactory, mode: str) -> None:
    srv = make_server(mode)
    assert (srv.user, srv.password) == (DEFAULT_USER, DEFAULT_PASSWORD)
    assert not srv.password.isascii()  # deliberately
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    client = ssl_client(srv, ctx) if mode == "ssl" else starttls_client(srv, ctx)
    with client:
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.sock.version() in ("TLSv1.2", "TLSv1.3")
        typ, _ = client.authenticate("PLAIN", plain(srv.user, srv.password))
        assert typ == "OK"
        assert client.state == "AUTH"
        typ, data = client.select("INBOX")
        assert (typ, data) == ("OK", [b"0"])


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_ascii_password_works_with_imaplib_login(make_server: ServerFactory, mode: str) -> None:
    srv = make_server(mode, user="agent@example.com", password="plain-ascii-1")
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    client = ssl_client(srv, ctx) if mode == "ssl" else starttls_client(srv, ctx)
    with client:
        assert client.login("agent@example.com", "plain-ascii-1")[0] == "OK"


def test_imaplib_login_cannot_send_the_non_ascii_password(make_server: ServerFactory) -> None:
    """Why the fixture logs in with AUTHENTICATE PLAIN: imaplib sends LOGIN as ASCII."""
    srv = make_server("ssl")
    with ssl_client(srv, srv.client_context()) as client, pytest.raises(UnicodeEncodeError):
        client.login(srv.user, srv.password)


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_wrong_password_is_refused(make_server: ServerFactory, mode: str) -> None:
    srv = make_server(mode)
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    client = ssl_client(srv, ctx) if mode == "ssl" else starttls_client(srv, ctx)
    with client, pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.authenticate("PLAIN", plain(srv.user, "imap-passwort"))
    assert "Login: user=" not in srv.log_text()


def test_starttls_mode_refuses_login_before_starttls(make_server: ServerFactory) -> None:
    srv = make_server("starttls")
    assert srv.starttls_enforced, "needs a loopback address other than 127.0.0.1"
    with imaplib.IMAP4(srv.host, srv.port, timeout=10) as client:
        assert "STARTTLS" in client.capabilities
        assert "LOGINDISABLED" in client.capabilities
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            client.authenticate("PLAIN", plain(srv.user, srv.password))
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            client.login("customer@example.com", "ascii-guess")
        client.starttls(ssl_context=srv.client_context())
        assert "LOGINDISABLED" not in client.capabilities
        assert client.authenticate("PLAIN", plain(srv.user, srv.password))[0] == "OK"
    assert "SSL required for authentication" in srv.log_text()


def test_ssl_mode_does_not_speak_plain_imap(make_server: ServerFactory) -> None:
    srv = make_server("ssl")
    assert srv.host == "127.0.0.1"
    with socket.create_connection(srv.address, timeout=5) as sock:
        sock.sendall(b"a1 CAPABILITY\r\n")
        sock.settimeout(5)
        try:
            reply = sock.recv(100)
        except ConnectionResetError:
            reply = b""
    assert not reply.startswith(b"* OK")


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_untrusted_certificate_fails_verification(make_server: ServerFactory, mode: str) -> None:
    srv = make_server(mode, untrusted=True)
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        client = ssl_client(srv, ctx) if mode == "ssl" else starttls_client(srv, ctx)
        client.shutdown()  # pragma: no cover - only reached if verification passed
    with pytest.raises(ssl.SSLCertVerificationError):
        srv.connect()
    # Without verification it is a working server all the same.
    loose = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    loose.check_hostname = False
    loose.verify_mode = ssl.CERT_NONE
    client = ssl_client(srv, loose) if mode == "ssl" else starttls_client(srv, loose)
    with client:
        assert client.authenticate("PLAIN", plain(srv.user, srv.password))[0] == "OK"


def test_certificate_names(make_server: ServerFactory) -> None:
    srv = make_server("ssl")
    ctx = ssl.create_default_context(cafile=srv.ca_file)
    with (
        socket.create_connection(srv.address, timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        cert = tls.getpeercert()
    assert cert is not None
    names = {value for _, value in cast(tuple[tuple[str, str], ...], cert["subjectAltName"])}
    assert {"127.0.0.1", "localhost"} <= names
    with (
        socket.create_connection(srv.address, timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError, match="mismatch"),
    ):
        ctx.wrap_socket(raw, server_hostname="imap.example.com")


# --------------------------------------------------------------- APPEND and SEARCH


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_append_then_search_in_reply_to(make_server: ServerFactory, mode: str) -> None:
    srv = make_server(mode)
    reply = message(
        2,
        In_Reply_To="<inq-42@support.example.com>",
        References="<inq-42@support.example.com>",
    )
    srv.append(message(1))
    srv.append(reply)
    srv.append(message(3, In_Reply_To="<other@support.example.com>"))
    with client_for(srv) as client:
        client.select("INBOX", readonly=True)
        typ, data = client.search(None, "HEADER", "In-Reply-To", '"<inq-42@support.example.com>"')
        assert (typ, data) == ("OK", [b"2"])
        typ, data = client.uid("SEARCH", "HEADER", "Message-ID", '"<news-2@example.org>"')
        assert typ == "OK" and len(data[0].split()) == 1
        typ, data = client.fetch("2", "(BODY.PEEK[])")
        assert cast(list[tuple[bytes, bytes]], data)[0][1] == reply
    assert srv.messages() == [
        message(1),
        reply,
        message(3, In_Reply_To="<other@support.example.com>"),
    ]


def test_korean_message_with_attachment_round_trips_byte_exact(make_server: ServerFactory) -> None:
    srv = make_server("ssl")
    subject = "문의: 주문 #1234 배송이 지연되고 있습니다"
    body = "안녕하세요.\n주문한 상품이 아직 도착하지 않았습니다.\n확인 부탁드립니다.\n"
    attachment = bytes(range(256)) * 8 + "영수증".encode()
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "김고객 <customer@example.com>"
    msg["To"] = "고객센터 <help@support.example.com>"
    msg["Subject"] = subject
    msg["Date"] = "Wed, 05 Mar 2025 09:30:00 +0900"
    msg["Message-ID"] = "<ko-1@example.com>"
    msg.set_content(body, cte="8bit")  # raw UTF-8 bytes in the body
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="영수증.pdf")
    raw = msg.as_bytes()
    assert re.search(rb"^Subject: =\?utf-8\?", raw, re.M | re.I)  # RFC 2047
    assert body.replace("\n", "\r\n").encode() in raw  # 8-bit UTF-8
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")

    srv.append(raw, flags=("\\Seen",))
    assert srv.messages() == [raw]

    with client_for(srv) as client:
        client.select("INBOX", readonly=True)
        typ, data = client.fetch("1", "(FLAGS RFC822.SIZE BODY.PEEK[])")
        assert typ == "OK"
        ((meta, body_bytes), _) = cast(list[tuple[bytes, bytes]], data)
        assert b"\\Seen" in meta
        assert f"RFC822.SIZE {len(raw)}".encode() in meta
        assert body_bytes == raw
        # The server decodes the RFC 2047 subject when searching.
        client.literal = "배송이 지연".encode()  # type: ignore[assignment]
        typ, data = client.search("UTF-8", "SUBJECT")
        assert (typ, data) == ("OK", [b"1"])

    back = email.message_from_bytes(srv.messages()[0], policy=email.policy.default)
    assert back["Subject"] == subject
    assert str(back["From"]) == "김고객 <customer@example.com>"
    text = back.get_body(("plain",))
    assert text is not None and text.get_content().replace("\r\n", "\n") == body
    (part,) = list(back.iter_attachments())
    assert part.get_filename() == "영수증.pdf"
    assert part.get_content() == attachment


def test_append_to_other_folder_and_flags(make_server: ServerFactory) -> None:
    srv = make_server("starttls")
    srv.append(SIMPLE, folder="Archive/2025", flags=("\\Seen", "\\Flagged"))
    srv.append(SIMPLE.replace(b"hi", b"second"), folder="Archive/2025")
    assert srv.messages() == []
    assert srv.messages("Archive/2025") == [SIMPLE, SIMPLE.replace(b"hi", b"second")]
    assert {"INBOX", "Archive", "Archive/2025"} <= set(srv.folders())
    with client_for(srv) as client:
        client.select('"Archive/2025"', readonly=True)
        typ, data = client.fetch("1:2", "(FLAGS)")
        first, second = cast(list[bytes], data)
        assert b"\\Flagged" in first and b"\\Seen" in first
        assert b"\\Seen" not in second  # messages() only peeks
    assert srv.flags("Archive/2025") == [{"\\Seen", "\\Flagged"}, set()]
    assert srv.flags() == []


def test_append_many_in_batches_with_flags(make_server: ServerFactory) -> None:
    srv = make_server("starttls")
    raws = [quick_message(n) for n in range(7)]
    assert srv.append_many(raws, folder="Bulk", flags=("\\Seen",), batch=3) == 7
    assert srv.append_many([], folder="Bulk") == 0
    srv.append(SIMPLE, folder="Bulk")  # the connection-per-call path still works after
    assert srv.messages("Bulk") == [*raws, SIMPLE]
    with client_for(srv) as client:
        client.select("Bulk", readonly=True)
        typ, data = client.search(None, "SEEN")
        assert data == [b"1 2 3 4 5 6 7"]
    with pytest.raises(TypeError):
        srv.append_many(["not bytes"])  # type: ignore[list-item]


def test_append_normalises_bare_lf_to_crlf(make_server: ServerFactory) -> None:
    srv = make_server("ssl")
    srv.append(SIMPLE.replace(b"\r\n", b"\n"))
    assert srv.messages() == [SIMPLE]


def test_two_thousand_messages_then_search_is_quick(make_server: ServerFactory) -> None:
    srv = make_server("ssl")
    target = message(99999, In_Reply_To="<needle@support.example.com>", Subject="Re: [#77] 문의")
    started = time.monotonic()
    assert srv.append_many(quick_message(n) for n in range(1000)) == 1000
    srv.append(target)
    assert srv.append_many(quick_message(n) for n in range(1000, 2000)) == 1000
    appended = time.monotonic() - started
    assert appended < 10, f"2001 APPENDs took {appended:.1f} s"

    with client_for(srv) as client:
        typ, data = client.select("INBOX", readonly=True)
        assert data == [b"2001"]
        started = time.monotonic()
        typ, data = client.search(None, "HEADER", "In-Reply-To", '"<needle@support.example.com>"')
        searched = time.monotonic() - started
        assert (typ, data) == ("OK", [b"1001"])
        assert searched < 3, f"SEARCH over 2001 messages took {searched:.2f} s"
        typ, data = client.search(None, "FROM", '"sender1999@example.org"')
        assert data == [b"2001"]
    stored = srv.messages()
    assert len(stored) == 2001
    assert stored[0] == quick_message(0) and stored[1000] == target
    assert stored[-1] == quick_message(1999)


# ------------------------------------------------------------------- lifecycle


def test_lifecycle_leaves_nothing_behind() -> None:
    require_dovecot()
    srv = ImapServer("starttls")
    assert repr(srv).endswith("stopped>")
    with srv:
        assert srv.running and srv.port > 0
        folder, pid = srv.folder, srv.pid
        assert folder is not None and folder.is_dir() and pid is not None
        # Everything lives in the private folder.
        config = (folder / "dovecot.conf").read_text()
        assert f"base_dir = {folder}/run" in config
        assert "ssl = required" in config
        assert Path(srv.ca_file).is_file() and Path(srv.ca_file).parent == folder
        if os.geteuid() == 0:  # the Maildir belongs to an unprivileged user
            srv.append(SIMPLE)
            maildir = folder / "home" / "Maildir"
            assert maildir.is_dir() and maildir.stat().st_uid != 0
            (new_file,) = [p for sub in ("new", "cur") for p in (maildir / sub).iterdir()]
            assert new_file.stat().st_uid == maildir.stat().st_uid
        assert "starting up for imap" in srv.log_text()
    assert not srv.running and srv.folder is None
    assert not folder.exists()
    assert imapserver._live_group_members(pid) == []
    assert "starting up for imap" in srv.log_text()  # kept after stop()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(srv.address, 2):
        pass  # pragma: no cover
    srv.stop()  # idempotent


def test_forgotten_server_is_cleaned_up_when_collected() -> None:
    require_dovecot()
    srv = ImapServer("ssl")
    srv.start()
    folder, pid = srv.folder, srv.pid
    assert folder is not None and pid is not None
    del srv
    gc.collect()
    assert imapserver._live_group_members(pid) == []
    assert not folder.exists()


def test_startup_failure_raises_with_the_log() -> None:
    require_dovecot()

    class Broken(ImapServer):
        def _write_config(self) -> None:
            super()._write_config()
            assert self.folder is not None
            with open(self.folder / "dovecot.conf", "a") as f:
                f.write("no_such_setting_here = 1\n")

    srv = Broken("ssl")
    started = time.monotonic()
    with pytest.raises(ImapServerError, match="no_such_setting_here") as info:
        srv.start()
    assert time.monotonic() - started < 10
    assert "--- log ---" in str(info.value)
    assert srv.folder is None and not srv.running


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="mode"):
        ImapServer("plain")
    with pytest.raises(ValueError, match="password"):
        ImapServer(password="a:b")


def test_require_dovecot_skips_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imapserver, "DOVECOT", "/nonexistent/dovecot")
    reason = imapserver.dovecot_available()
    assert reason is not None and "dovecot-imapd" in reason
    monkeypatch.setattr(servers, "_REQUIRE_SERVERS", False)
    monkeypatch.delenv(imapserver.REQUIRE_SERVERS_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found"):
        require_dovecot()
    monkeypatch.setattr(servers, "_REQUIRE_SERVERS", True)
    with pytest.raises(pytest.fail.Exception, match="SUPPORT_REQUIRE_SERVERS=1"):
        require_dovecot()
    with pytest.raises(ImapServerError, match="not found"):
        ImapServer().start()
