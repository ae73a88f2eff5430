"""Mail discovery and `support setup`, against a real local HTTPS server (trustme
certificate) and a real local DNS server (dnslib): presets, autoconfig at both well-known
places, the ISPDB, MX, SRV, nothing at all, a slow server, and hostile answers."""

from __future__ import annotations

import json
import os
import sys

import pexpect
import pytest
from conftest import assert_one_line_error
from discoveryserver import DnsServer, HttpsServer

from supportcli.mail.discover import discover

DOMAINS = (
    "auto.example",
    "known.example",
    "ispdb.example",
    "mxhost.example",
    "workspace.example",
    "srv.example",
    "nothing.example",
    "slow.example",
    "big.example",
    "laughs.example",
    "away.example",
    "hop.example",
    "evil.example",
)
AUTOCONFIG = "/mail/config-v1.1.xml"
WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"


def config_xml(name: str, smtp_port: int = 587, smtp_security: str = "STARTTLS") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="{name}">
    <domain>{name}</domain>
    <incomingServer type="pop3">
      <hostname>pop.{name}</hostname><port>995</port><socketType>SSL</socketType>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.{name}</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.{name}</hostname><port>25</port><socketType>plain</socketType>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.{name}</hostname><port>{smtp_port}</port>
      <socketType>{smtp_security}</socketType>
      <username>%EMAILLOCALPART%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>""".encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<clientConfig version="1.1"><emailProvider id="x"><outgoingServer type="smtp">
<hostname>&lol4;</hostname><port>465</port><socketType>SSL</socketType>
</outgoingServer></emailProvider></clientConfig>"""


@pytest.fixture(scope="module")
def web():
    names = [n for d in DOMAINS for n in (d, f"autoconfig.{d}")] + ["ispdb.test"]
    with HttpsServer(names) as server:
        r = server.routes
        r[("autoconfig.auto.example", AUTOCONFIG)] = config_xml("auto.example")
        r[("known.example", WELL_KNOWN)] = config_xml("known.example")
        r[("ispdb.test", "/v1.1/ispdb.example")] = config_xml("ispdb.example", 465, "SSL")
        r[("ispdb.test", "/v1.1/mailhost.net")] = config_xml("mailhost.net")
        r[("autoconfig.slow.example", AUTOCONFIG)] = ("slow", 3, config_xml("too.late"))
        r[("slow.example", WELL_KNOWN)] = config_xml("slow.example")
        r[("autoconfig.big.example", AUTOCONFIG)] = config_xml("big.example")[:-20] + (
            b"<!--" + b"x" * 100_000 + b"-->" + config_xml("big.example")[-20:]
        )
        r[("autoconfig.laughs.example", AUTOCONFIG)] = BILLION_LAUGHS
        r[("autoconfig.away.example", AUTOCONFIG)] = (
            "redirect",
            "https://autoconfig.evil.example/mail/config-v1.1.xml",
        )
        r[("away.example", WELL_KNOWN)] = ("redirect", "http://away.example/plain.xml")
        r[("autoconfig.evil.example", AUTOCONFIG)] = config_xml("evil.example")
        r[("autoconfig.hop.example", AUTOCONFIG)] = ("redirect", "/mail/moved.xml")
        r[("autoconfig.hop.example", "/mail/moved.xml")] = config_xml("hop.example")
        yield server


@pytest.fixture(scope="module")
def dns():
    with DnsServer() as server:
        server.add("mxhost.example. 60 IN MX 10 mx1.mailhost.net.")
        server.add("workspace.example. 60 IN MX 1 aspmx.l.google.com.")
        server.add("workspace.example. 60 IN MX 5 alt1.aspmx.l.google.com.")
        server.add("srv.example. 60 IN SRV 0 0 0 .")  # the name exists; no MX
        server.add("_submission._tcp.srv.example. 60 IN SRV 0 1 587 mail.srv.example.")
        server.add("_imaps._tcp.srv.example. 60 IN SRV 10 1 993 imap2.srv.example.")
        server.add("_imaps._tcp.srv.example. 60 IN SRV 0 1 993 imap.srv.example.")
        server.add("_imap._tcp.srv.example. 60 IN SRV 0 1 143 .")
        server.add("desk.example. 60 IN MX 10 mx.desk.example.")
        yield server


@pytest.fixture
def knobs(web, dns, monkeypatch):
    """Discovery pointed at the local servers, as the README's knobs allow."""
    names = [n for d in DOMAINS for n in (d, f"autoconfig.{d}")] + ["ispdb.test"]
    env = {
        "SUPPORT_DISCOVERY_CA_FILE": web.ca_file,
        "SUPPORT_DISCOVERY_ISPDB": "https://ispdb.test/v1.1/",
        "SUPPORT_DISCOVERY_DNS": dns.address,
        "SUPPORT_DISCOVERY_RESOLVE": web.resolve(*names),
        "SUPPORT_DISCOVERY_TIMEOUT": "1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_a_preset_needs_no_network(monkeypatch):
    # Every lookup would fail: no DNS server answers there and no host resolves.
    monkeypatch.setenv("SUPPORT_DISCOVERY_DNS", "127.0.0.1:9")
    for address, host in (
        ("hong@naver.com", "smtp.naver.com"),
        ("hong@hanmail.net", "smtp.daum.net"),
        ("hong@googlemail.com", "smtp.gmail.com"),
        ("hong@live.com", "smtp-mail.outlook.com"),
    ):
        found = discover(address).found
        assert found is not None and found.source == "preset"
        assert found.smtp.host == host
    naver = discover("hong@naver.com").found
    assert naver is not None and naver.smtp.user_for("hong@naver.com") == "hong"
    assert any("IMAP/SMTP 사용" in step for step in naver.provider.steps_ko)
    outlook = discover("kim@outlook.com").found
    assert outlook is not None and outlook.oauth2


def test_autoconfig_host_first_and_only_tls_servers(knobs, web):
    result = discover("kim@auto.example")
    found = result.found
    assert found is not None and found.source == "autoconfig"
    assert found.where == f"https://autoconfig.auto.example{AUTOCONFIG}"
    # The plain-text port-25 server is skipped; the STARTTLS one is taken.
    assert (found.smtp.host, found.smtp.port, found.smtp.security) == (
        "smtp.auto.example",
        587,
        "starttls",
    )
    assert found.smtp.user_for("kim@auto.example") == "kim"
    assert found.imap is not None and found.imap.user_for("kim@auto.example") == "kim@auto.example"
    # Only the domain went out: no address, no password, no query string.
    assert not [path for _, path in web.requests if "kim" in path or "?" in path]


def test_well_known_path_then_ispdb(knobs):
    known = discover("kim@known.example")
    assert known.found is not None and known.found.source == "autoconfig"
    assert known.found.where.endswith(f"known.example{WELL_KNOWN}")
    assert "HTTP 404" in known.tried[0]
    ispdb = discover("kim@ispdb.example")
    assert ispdb.found is not None and ispdb.found.source == "ispdb"
    assert ispdb.found.where == "https://ispdb.test/v1.1/ispdb.example"
    assert ispdb.found.smtp.security == "ssl" and ispdb.found.smtp.port == 465


def test_mx_host_preset_and_mx_domain_in_the_ispdb(knobs):
    workspace = discover("kim@workspace.example").found
    assert workspace is not None and workspace.source == "mx"
    assert workspace.provider is not None and workspace.provider.key == "gmail"
    assert "aspmx.l.google.com" in workspace.where  # the best (lowest) preference
    hosted = discover("kim@mxhost.example").found
    assert hosted is not None and hosted.source == "mx"
    assert hosted.smtp.host == "smtp.mailhost.net"
    assert "mx1.mailhost.net" in hosted.where and "/v1.1/mailhost.net" in hosted.where


def test_srv_records(knobs):
    result = discover("kim@srv.example")
    found = result.found
    assert found is not None and found.source == "srv", result.tried
    assert (found.smtp.host, found.smtp.port, found.smtp.security) == (
        "mail.srv.example",
        587,
        "starttls",
    )
    assert found.imap is not None
    assert (found.imap.host, found.imap.security) == ("imap.srv.example", "ssl")


def test_a_domain_with_nothing(knobs):
    result = discover("kim@nothing.example")
    assert result.found is None
    assert len(result.tried) == 5, result.tried
    assert "MX nothing.example: none" in result.tried[3]


def test_a_slow_server_is_given_up_on(knobs, monkeypatch):
    monkeypatch.setenv("SUPPORT_DISCOVERY_TIMEOUT", "0.3")
    result = discover("kim@slow.example")
    assert "no answer in time" in result.tried[0]
    assert result.found is not None
    assert result.found.smtp.host == "smtp.slow.example"  # the next step, not the late one


@pytest.mark.parametrize(
    ("domain", "why"),
    [
        ("big.example", "larger than 64 KB"),
        ("laughs.example", "not a plain autoconfig file"),
        ("away.example", "redirects to another host"),
    ],
)
def test_hostile_autoconfig_is_refused(knobs, domain, why):
    result = discover(f"kim@{domain}")
    assert why in result.tried[0]
    assert result.found is None or "evil" not in result.found.smtp.host


def test_plain_http_is_refused_everywhere(knobs, monkeypatch):
    away = discover("kim@away.example")
    assert "redirects to a non-https URL" in away.tried[1]
    monkeypatch.setenv("SUPPORT_DISCOVERY_ISPDB", "http://ispdb.test/v1.1/")
    ispdb = discover("kim@ispdb.example")
    assert "not an https:// URL" in ispdb.tried[2]
    assert ispdb.found is None


def test_a_redirect_on_the_same_host_is_followed(knobs):
    found = discover("kim@hop.example").found
    assert found is not None and found.smtp.host == "smtp.hop.example"


def test_an_untrusted_certificate_is_refused(knobs, monkeypatch):
    monkeypatch.delenv("SUPPORT_DISCOVERY_CA_FILE")
    result = discover("kim@auto.example")
    assert "certificate is not trusted" in result.tried[0]
    assert result.found is None


# --- support setup ------------------------------------------------------------------------


def test_setup_yes_writes_the_settings(run, knobs, home):
    result = run("setup", "--email", "kim@auto.example", "--name", "김민수", "--yes", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["written"] is True and data["source"] == "autoconfig"
    shown = json.loads(run("config", "show", "--json", check=True).stdout)
    assert shown["smtp.host"] == "smtp.auto.example"
    assert shown["smtp.port"] == 587 and shown["smtp.security"] == "starttls"
    assert shown["smtp.user"] == "kim" and shown["imap.user"] == "kim@auto.example"
    assert shown["user.email"] == "kim@auto.example" and shown["user.name"] == "김민수"


def test_setup_without_a_terminal_or_yes_writes_nothing(run, home):
    result = run("setup", "--email", "hong@naver.com")
    assert result.returncode == 2
    assert "smtp.naver.com:465 ssl, login hong" in result.stdout
    assert "IMAP/SMTP 사용" in result.stdout and "애플리케이션 비밀번호" in result.stdout
    assert "--yes" in result.stderr
    assert not (home / "config.toml").exists()


def test_setup_for_microsoft_says_oauth_is_needed(run):
    result = run("setup", "--email", "kim@hotmail.com", "--yes")
    assert result.returncode == 0
    assert "XOAUTH2" in result.stdout and "smtp.oauth2_token_command" in result.stdout


def test_setup_with_nothing_found_says_how_to_set_it_by_hand(run, knobs, home):
    result = run("setup", "--email", "kim@nothing.example", "--yes")
    assert_one_line_error(result, 1)
    assert "nothing.example" in result.stderr and "support config set smtp.host" in result.stderr
    assert not (home / "config.toml").exists()


def test_setup_refuses_a_bad_address(run):
    assert_one_line_error(run("setup", "--email", "not an address", "--yes"), 2)
    assert_one_line_error(run("setup"), 2)  # no --email, no user.email, no terminal


@pytest.mark.parametrize("answer", ["y", "n"])
def test_setup_at_a_terminal_writes_only_after_a_yes(home, answer):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", "setup", "--email", "hong@naver.com"],
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 100),
    )
    child.expect("IMAP/SMTP 사용")  # the app-password steps come before the question
    child.expect("Write these settings")
    child.send(answer)  # a confirm takes the key itself, no Enter
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    written = (home / "config.toml").exists()
    assert written is (answer == "y")
    if written:
        assert 'host = "smtp.naver.com"' in (home / "config.toml").read_text()


def test_login_says_setup_comes_next_when_no_mail_server_is_set(run, home):
    result = run("login", "--name", "홍길동", "--email", "hong@naver.com", check=True)
    assert "Next: `support setup` finds the mail settings of 네이버 메일" in result.stderr
    run("config", "set", "smtp.host", "smtp.example.com", check=True)
    again = run("login", "--name", "홍길동", "--email", "hong@naver.com", check=True)
    assert "support setup" not in again.stderr


def test_login_at_a_terminal_finds_the_mail_settings_after_a_yes(home):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", "login", "--name", "홍길동", "--email", "hong@naver.com"],
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 100),
    )
    child.expect("account id")
    child.sendline("")
    child.expect("for hong@naver.com now")
    child.send("y")
    child.expect("IMAP/SMTP 사용")
    child.expect("Write these settings")
    child.send("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    config = (home / "config.toml").read_text()
    assert 'host = "smtp.naver.com"' in config and 'name = "홍길동"' in config
