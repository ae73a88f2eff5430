"""OAuth 2.0 logins (XOAUTH2) with a token from the customer's own command.

Like msmtp's `passwordeval` or himalaya's token commands: `smtp.oauth2_token_command` is
run without a shell (split like a shell line, so quoting works, and nothing else does),
with no input and a timeout, and the first line it prints is the access token. Getting and
refreshing tokens stays with the tool made for it (an OAuth helper, a password manager);
the token is used at once and never stored or shown."""

from __future__ import annotations

import base64
import shlex
import smtplib
import subprocess

from supportcli.errors import SupportError
from supportcli.i18n import _

TOKEN_TIMEOUT = 30.0  # a helper may refresh the token over the network first


class TokenError(SupportError):
    """The token command did not give a token."""


def token(command: str, *, setting: str) -> str:
    """Run the command; its first line of output is the access token."""
    try:
        args = shlex.split(command)
    except ValueError as exc:
        raise TokenError(
            _("{setting}: cannot read the command ({reason})").format(setting=setting, reason=exc)
        ) from None
    if not args:
        raise TokenError(_("{setting} is empty").format(setting=setting))
    try:
        done = subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, timeout=TOKEN_TIMEOUT
        )
    except FileNotFoundError:
        raise TokenError(
            _("{setting}: {command} not found").format(setting=setting, command=args[0])
        ) from None
    except subprocess.TimeoutExpired:
        raise TokenError(
            _("{setting}: gave no token within {seconds:g} s").format(
                setting=setting, seconds=TOKEN_TIMEOUT
            )
        ) from None
    except OSError as exc:
        raise TokenError(
            _("{setting}: cannot run {command} ({reason})").format(
                setting=setting, command=args[0], reason=exc.strerror
            )
        ) from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise TokenError(
            _("{setting}: the command failed with exit {code}").format(
                setting=setting, code=done.returncode
            )
            + (f" ({why[-1][:200]})" if why else "")
        )
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    if not lines or not lines[0].strip() or not lines[0].strip().isascii():
        raise TokenError(_("{setting}: the command printed no token").format(setting=setting))
    return lines[0].strip()


def xoauth2(user: str, access_token: str) -> bytes:
    """The XOAUTH2 initial client response (before base64)."""
    return f"user={user}\x01auth=Bearer {access_token}\x01\x01".encode()


def xoauth2_b64(user: str, access_token: str) -> str:
    return base64.b64encode(xoauth2(user, access_token)).decode("ascii")


def smtp_login(smtp: smtplib.SMTP, user: str, access_token: str) -> None:
    """AUTH XOAUTH2 on an open SMTP connection; SMTPAuthenticationError when refused."""
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.docmd("AUTH", f"XOAUTH2 {xoauth2_b64(user, access_token)}")
    if code == 334:  # a refusal's details (base64 JSON); an empty line ends the exchange
        code, reply = smtp.docmd("")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)
