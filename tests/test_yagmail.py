"""What we rely on of yagmail, checked against the installed version: a change of these
internals fails here, not in a customer's outbox. In-process, against the real local
SMTP server (TLS and AUTH)."""

from __future__ import annotations

import inspect
import smtplib
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yagmail

from supportcli.mail.message import Outgoing
from supportcli.mail.sender import Mailer, ServerSettings, _Redacting

try:
    from smtpserver import DEFAULT_PASSWORD, DEFAULT_USER, SmtpServer
except ImportError:  # tests/ became a package
    from tests.smtpserver import DEFAULT_PASSWORD, DEFAULT_USER, SmtpServer  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_yagmail_is_a_version_we_pin() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [d for d in deps if d.startswith("yagmail")]
    assert "<" in pin, "yagmail is pinned to the versions tested"
    low, high = (part.strip() for part in pin.removeprefix("yagmail").split(",")[:2])
    installed = tuple(int(n) for n in version("yagmail").split(".")[:2])
    assert installed >= tuple(int(n) for n in low.removeprefix(">=").split(".")[:2])
    assert installed < tuple(int(n) for n in high.removeprefix("<").split(".")[:2])


def test_login_makes_its_connection_through_the_connection_property() -> None:
    assert isinstance(inspect.getattr_static(yagmail.SMTP, "connection"), property)
    assert "self.connection(" in inspect.getsource(yagmail.SMTP)
    for name in ("login", "close"):
        assert callable(getattr(yagmail.SMTP, name))


def _outgoing(message_id: str) -> Outgoing:
    return Outgoing(
        sender=DEFAULT_USER,
        to=["help@example.com"],
        cc=[],
        subject="결제 오류",
        body="두 번 결제됐어요",
        message_id=message_id,
    )


def _settings(srv: SmtpServer, security: str) -> ServerSettings:
    return ServerSettings(
        host=srv.host,
        port=srv.port,
        security=security,
        user=DEFAULT_USER,
        password=srv.password,
        timeout=5,
        ca_file=srv.ca_file,
    )


@pytest.mark.parametrize("security", ["ssl", "starttls"])
# An ASCII password logs in through yagmail's login(); any other through our UTF-8 AUTH
# PLAIN on the connection yagmail made.
@pytest.mark.parametrize("password", ["ascii-secret", DEFAULT_PASSWORD])
def test_a_message_goes_through_yagmails_connection(security, password, monkeypatch, home) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORT_SMTP_DEBUG", "1")
    with SmtpServer(mode=security, password=password) as srv:
        mailer = Mailer(_settings(srv, security)).__enter__()
        client = mailer.client
        assert isinstance(client, yagmail.SMTP)
        # Our connection class took the place of smtplib's: the debug log is redacted.
        assert isinstance(client.smtp, _Redacting)
        assert isinstance(client.smtp, smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP)
        assert client.is_closed is False
        mailer.send(_outgoing("<yagmail-check@example.com>"))
        mailer.close()
        assert client.is_closed is True
        (received,) = srv.wait_for(1)
        assert received.message["Message-ID"] == "<yagmail-check@example.com>"
        assert [a.success for a in srv.auth_attempts] == [True]
    (smtp_log,) = home.rglob("smtp.log")  # SUPPORT_SMTP_DEBUG's log, under SUPPORT_HOME
    text = smtp_log.read_text()
    assert "[credentials hidden]" in text
    assert password not in text


# Without TLS, the password is looked up only when the server offers AUTH (issue 21: the
# keyring is most of a send's cost); a server that does not offer it never causes one.
@pytest.mark.parametrize(("offers_auth", "password"), [(False, None), (True, "ascii-secret")])
def test_without_tls_the_password_is_looked_up_only_when_auth_is_offered(
    offers_auth, password, home
) -> None:  # type: ignore[no-untyped-def]
    looked_up = []

    def find() -> str | None:
        looked_up.append(True)
        return password

    with SmtpServer(mode="none", password="ascii-secret", auth_require_tls=not offers_auth) as srv:
        settings = _settings(srv, "none")
        settings = ServerSettings(**{**settings.__dict__, "password": None, "find_password": find})
        with Mailer(settings) as mailer:
            mailer.send(_outgoing("<lazy-password@example.com>"))
        srv.wait_for(1)
        assert looked_up == ([True] if offers_auth else [])
        assert [a.success for a in srv.auth_attempts] == ([True] if offers_auth else [])


def test_the_escalations_json_part_goes_as_written(home) -> None:  # type: ignore[no-untyped-def]
    """yagmail's builder would add an HTML copy and turn newlines into <br>: an extra
    part must go through our renderer and its connection untouched all the same."""
    import json

    facts = {"schema": "support-inquiry/1", "chat_id": 3, "turns": [{"text": "/etc/passwd\n"}]}
    out = _outgoing("<facts-check@example.com>")
    out.body = "/etc/passwd\n첫 줄\n둘째 줄"
    out.facts = facts
    with SmtpServer(mode="ssl", password="ascii-secret") as srv:
        with Mailer(_settings(srv, "ssl")) as mailer:
            mailer.send(out)
        (received,) = srv.wait_for(1)
    message = received.message
    assert message.get_body(("html",)) is None
    assert message.get_body(("plain",)).get_content() == out.body
    (part,) = message.iter_attachments()
    assert part.get_filename() == "support-inquiry.json"
    assert json.loads(part.get_content()) == {**facts, "attachments": []}
