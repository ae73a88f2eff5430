"""`support doctor` against the real aiosmtpd server, the real Dovecot and a real local DNS
server: all ✓ when everything works, and each failure class names its fix and fails."""

from __future__ import annotations

import json

import pytest
from discoveryserver import DnsServer
from imapserver import ImapServer, imap_env, require_dovecot
from mailtest import smtp_env
from smtpserver import SmtpServer, free_port

from supportcli.config import Settings
from supportcli.mail import doctor


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer(mode="ssl") as srv:
        yield srv


@pytest.fixture(scope="module")
def imap():
    require_dovecot()
    with ImapServer(mode="ssl") as srv:
        srv.append(b"Subject: one\r\n\r\nhello\r\n")
        yield srv


@pytest.fixture(scope="module")
def dns():
    with DnsServer() as server:
        server.add("example.com. 60 IN MX 10 mx.example.com.")
        yield server


def env_for(smtp, imap, dns, **extra):
    return {
        **smtp_env(smtp),
        **imap_env(imap),
        "SUPPORT_DISCOVERY_DNS": dns.address,
        **extra,
    }


@pytest.fixture
def checks(smtp, imap, dns, monkeypatch):
    """Run the checks in this process with the given settings over the working ones."""

    def run(**extra: str) -> dict[str, doctor.Check]:
        for name, value in env_for(smtp, imap, dns, **extra).items():
            if value:
                monkeypatch.setenv(name, value)
            else:
                monkeypatch.delenv(name, raising=False)
        found = doctor.run(Settings.load())
        return {check.name: check for check in found}

    return run


def test_all_checks_pass_and_exit_0(run, smtp, imap, dns):
    result = run("doctor", env=env_for(smtp, imap, dns))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("✓") for line in lines), result.stdout
    names = [line.split(":")[0][2:] for line in lines]
    assert names == [
        "identity",
        "desk address",
        "desk MX",
        "SMTP settings",
        "SMTP DNS",
        "SMTP connect",
        "SMTP TLS",
        "SMTP EHLO",
        "SMTP AUTH",
        "SMTP login",
        "IMAP settings",
        "IMAP connect",
        "IMAP TLS",
        "IMAP login",
        "IMAP folder",
        "history",
        "keyring",
    ]
    assert "INBOX: 1 messages" in result.stdout and "PLAIN" in result.stdout
    assert smtp.password not in result.stdout and imap.password not in result.stdout


def test_json_and_exit_1_on_a_wrong_password(run, smtp, imap, dns):
    env = env_for(
        smtp, imap, dns, SUPPORT_SMTP_PASSWORD="wrong", SUPPORT_USER_EMAIL="hong@naver.com"
    )
    result = run("doctor", "--json", env=env)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    failed = [c for c in data["checks"] if c["ok"] is False]
    assert [c["name"] for c in failed] == ["SMTP login"]
    assert "535" in failed[0]["detail"]
    assert "IMAP/SMTP 사용" in failed[0]["fix"] and "애플리케이션 비밀번호" in failed[0]["fix"]
    assert "wrong" not in result.stdout


def test_wrong_imap_password(checks):
    # Its own Dovecot: after a refused login Dovecot slows that client's next logins down
    # (its auth penalty), which would make the shared server's other tests time out.
    require_dovecot()
    with ImapServer(mode="ssl") as own:
        found = checks(
            SUPPORT_IMAP_PORT=str(own.port),
            SUPPORT_IMAP_CA_FILE=own.ca_file,
            SUPPORT_IMAP_PASSWORD="wrong-too",
        )
    assert found["IMAP login"].ok is False
    assert "app password" in found["IMAP login"].fix
    assert "IMAP folder" not in found  # nothing after the first failure of its group
    assert found["SMTP login"].ok is True


def test_untrusted_certificates(checks):
    found = checks(SUPPORT_SMTP_CA_FILE="", SUPPORT_IMAP_CA_FILE="")
    for name, setting in (("SMTP TLS", "smtp.ca_file"), ("IMAP TLS", "imap.ca_file")):
        assert found[name].ok is False
        assert "not trusted" in found[name].detail and setting in found[name].fix
    assert "SMTP login" not in found


def test_closed_ports(checks):
    found = checks(SUPPORT_SMTP_PORT=str(free_port()), SUPPORT_IMAP_PORT=str(free_port()))
    for name, setting in (("SMTP connect", "smtp.port"), ("IMAP connect", "imap.port")):
        assert found[name].ok is False
        assert "refused" in found[name].detail and setting in found[name].fix


def test_missing_folder(checks):
    found = checks(SUPPORT_IMAP_FOLDER="Answers/Missing")
    assert found["IMAP folder"].ok is False
    assert "does not exist" in found["IMAP folder"].detail
    assert "imap.folder" in found["IMAP folder"].fix
    assert not doctor.healthy(list(found.values()))
    korean = checks(SUPPORT_IMAP_FOLDER="보관함")["IMAP folder"]
    assert korean.ok is False and "imap.folder" in korean.fix


def test_a_korean_folder_that_exists_is_found(checks, imap):
    from supportcli.mail.mailbox import folder_name

    imap.append(b"Subject: kept\r\n\r\nhello\r\n", folder=folder_name("고객센터/보관함"))
    found = checks(SUPPORT_IMAP_FOLDER="고객센터/보관함")["IMAP folder"]
    assert found.ok is True, found


def test_missing_identity_desk_and_password(checks, monkeypatch):
    found = checks(
        SUPPORT_USER_NAME="", SUPPORT_DESK_EMAIL="help@nomx.example", SUPPORT_SMTP_PASSWORD=""
    )
    assert found["identity"].ok is False and "support login" in found["identity"].fix
    assert found["desk MX"].ok is False and "no MX" in found["desk MX"].detail
    assert found["SMTP login"].ok is False and "support config password" in found["SMTP login"].fix
    # The IMAP password is still given: no keyring is needed for it...
    assert found["keyring"].ok is True
    monkeypatch.delenv("SUPPORT_IMAP_PASSWORD")
    found = {c.name: c for c in doctor.run(Settings.load())}
    assert found["keyring"].ok is False  # ...but with none at all, the keyring is


def test_microsoft_says_oauth_is_needed(checks):
    found = checks(SUPPORT_USER_EMAIL="kim@outlook.com")
    assert found["SMTP login"].ok is False
    assert "XOAUTH2" in found["SMTP login"].fix


def test_starttls_server(checks):
    with SmtpServer(mode="starttls") as other:
        found = checks(**{k: v for k, v in smtp_env(other).items() if k.startswith("SUPPORT_SMTP")})
    assert found["SMTP TLS"].ok is True and found["SMTP login"].ok is True
