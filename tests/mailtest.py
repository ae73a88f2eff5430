"""Helpers for tests that send through the real local SMTP server."""

from __future__ import annotations

import base64
import os
import sys

from smtpserver import SmtpServer

USER = "customer@example.com"
PASSWORD = "s3cret-pässword"  # not ASCII on purpose: smtplib's login() cannot send it


def smtp_env(srv: SmtpServer, *, timeout: float = 3) -> dict[str, str]:
    return {
        "SUPPORT_USER_NAME": "홍길동",
        "SUPPORT_USER_EMAIL": "hong@example.com",
        "SUPPORT_DESK_EMAIL": "help@example.com",
        "SUPPORT_SMTP_HOST": srv.host,
        "SUPPORT_SMTP_PORT": str(srv.port),
        "SUPPORT_SMTP_SECURITY": srv.mode,
        "SUPPORT_SMTP_USER": USER,
        "SUPPORT_SMTP_PASSWORD": PASSWORD,
        "SUPPORT_SMTP_CA_FILE": srv.ca_file,
        "SUPPORT_SMTP_TIMEOUT": str(timeout),
    }


def secret_forms(password: str = PASSWORD) -> list[bytes]:
    """The password as it could leak: plain, and inside an AUTH PLAIN/LOGIN token."""
    raw = password.encode()
    return [raw, base64.b64encode(raw), base64.b64encode(f"\0{USER}\0{password}".encode())]


def text_part(message) -> str:  # type: ignore[no-untyped-def]
    part = message.get_body(("plain",))
    return part.get_payload(decode=True).decode(part.get_content_charset())


def spawn_support(
    srv: SmtpServer,
    *args: str,
    command: str = "email",
    editor: str | None = None,
    lang: str | None = None,
):  # type: ignore[no-untyped-def]
    """`support COMMAND ARGS` in a real 60x120 pseudo-terminal, sending through `srv`;
    no EDITOR unless one is given (the composer then writes the body in its own field)."""
    import pexpect

    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", **smtp_env(srv)}
    if lang:
        env["SUPPORT_LANG"] = lang
    env.pop("EDITOR", None)
    env.pop("VISUAL", None)
    if editor:
        env["EDITOR"] = editor
    return pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", command, *args],
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(60, 120),
    )
