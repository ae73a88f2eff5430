"""XOAUTH2 with a token command (smtp.oauth2_token_command), against the real aiosmtpd
server offering AUTH XOAUTH2: sending, doctor, and a command that fails."""

from __future__ import annotations

import shlex
import sys

import pytest
from conftest import assert_one_line_error
from mailtest import smtp_env
from smtpserver import SmtpServer

from supportcli.config import Settings
from supportcli.mail import doctor, oauth

TOKEN = "ya29.test-token"


def command(code: str) -> str:
    return shlex.join([sys.executable, "-c", code])


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer(mode="ssl", oauth2_token=TOKEN) as srv:
        yield srv


def oauth_env(srv: SmtpServer, token_command: str) -> dict[str, str]:
    env = smtp_env(srv)
    del env["SUPPORT_SMTP_PASSWORD"]  # the token command stands for it
    return {**env, "SUPPORT_SMTP_OAUTH2_TOKEN_COMMAND": token_command}


def test_email_is_sent_with_xoauth2(run, smtp):
    env = oauth_env(smtp, command(f"print({TOKEN!r}); print('ignored')"))
    result = run("email", "--subject", "토큰 로그인", "--body", "본문", env=env)
    assert result.returncode == 0, result.stderr
    assert smtp.auth_attempts[-1].mechanism == "XOAUTH2" and smtp.auth_attempts[-1].success
    assert any(m.message["Subject"] == "토큰 로그인" for m in smtp.wait_for(1))


def test_a_wrong_token_is_a_refused_login(run, smtp):
    result = run(
        "email", "--subject", "s", "--body", "b", env=oauth_env(smtp, command("print('old')"))
    )
    assert_one_line_error(result, 1)
    assert "535" in result.stderr and "old" not in result.stderr


def test_a_failing_token_command_says_so(run, smtp):
    failing = command("import sys; sys.stderr.write('refresh token expired\\n'); sys.exit(3)")
    result = run("email", "--subject", "s", "--body", "b", env=oauth_env(smtp, failing))
    assert_one_line_error(result, 1)
    assert "smtp.oauth2_token_command" in result.stderr and "exit 3" in result.stderr
    assert "refresh token expired" in result.stderr


def test_token_command_rules(tmp_path):
    assert oauth.token(command("print(' tok ')"), setting="k") == "tok"
    with pytest.raises(oauth.TokenError, match="printed no token"):
        oauth.token(command("pass"), setting="k")
    with pytest.raises(oauth.TokenError, match="not found"):
        oauth.token(str(tmp_path / "no-such-helper"), setting="k")
    # No shell: a `;` is an argument, not a second command.
    marker = tmp_path / "ran"
    oauth.token(command("import sys; print(sys.argv[1])") + f" ';touch {marker}'", setting="k")
    assert not marker.exists()


def test_doctor_logs_in_with_xoauth2(smtp, monkeypatch):
    env = oauth_env(smtp, command(f"print({TOKEN!r})"))
    env["SUPPORT_USER_EMAIL"] = "kim@outlook.com"  # Microsoft: fine once a token is given
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = {c.name: c for c in doctor.run(Settings.load())}
    assert found["SMTP AUTH"].detail.endswith("XOAUTH2")
    assert found["SMTP login"].ok is True and "XOAUTH2" in found["SMTP login"].detail


def test_doctor_when_the_server_has_no_xoauth2(monkeypatch):
    with SmtpServer(mode="ssl") as plain:
        for name, value in oauth_env(plain, command(f"print({TOKEN!r})")).items():
            monkeypatch.setenv(name, value)
        found = {c.name: c for c in doctor.run(Settings.load())}
    assert found["SMTP login"].ok is False
    assert "does not offer XOAUTH2" in found["SMTP login"].detail
