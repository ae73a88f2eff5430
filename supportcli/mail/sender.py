"""Talking to the SMTP server. The only module that imports yagmail.

What we rely on of yagmail beyond its documented interface (`SMTP(...)`, `login()`,
`close()`), checked by tests/test_yagmail.py against every version pyproject.toml allows:
the `connection` property that `login()` calls to make the smtplib connection (overridden
to redact the debug log), and the `smtp` attribute holding that connection afterwards
(our message goes through its `sendmail`, not through yagmail's own builder).

yagmail opens the connection (implicit TLS or STARTTLS, with our verifying SSL context and
timeout passed through to smtplib) and logs in with the password we give it, so it never
prompts. We then hand the connection our own message (see message.py) and read every
result ourselves: yagmail's `send()` would sleep, retry and return False on a disconnect,
and its default Message-ID is the same for every message with the same From/To/Subject.
"""

from __future__ import annotations

import base64
import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from supportcli import paths, system
from supportcli.config import Settings, load_password
from supportcli.errors import BadInput
from supportcli.i18n import N_, _
from supportcli.mail import oauth
from supportcli.mail.message import AttachmentChanged, Outgoing, envelope_address, render
from supportcli.tls import tls_context

# N_: translated where used (`_(APP_PASSWORD_HINT)`), in the language of that moment.
APP_PASSWORD_HINT = N_(
    "if your provider uses two-step verification (Gmail, Naver), "
    "log in with an app password, stored with `support config password`"
)


class DeliveryError(Exception):
    """The server did not take the message. `temporary` ones wait in the outbox."""

    def __init__(self, reason: str, *, temporary: bool, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary
        self.hint = hint


@dataclass
class Delivered:
    refused: dict[str, str]  # recipients the server refused while taking the rest


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    security: str
    user: str
    password: str | None
    timeout: float
    ca_file: str | None
    # Without TLS a password is needed only when the server offers AUTH, so it is looked
    # up then: the keyring alone costs about 0.2 s of a send (issue 21).
    find_password: Callable[[], str | None] | None = None
    # smtp.oauth2_token_command: log in with XOAUTH2 and a fresh token instead.
    token_command: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerSettings:
        host = settings.require("smtp.host")
        user = settings.text("smtp.user")
        security = settings.text("smtp.security")
        password, find = None, None
        token_command = settings.text("smtp.oauth2_token_command") or None
        if token_command:
            pass  # no password: the token command stands for it
        elif security == "none":
            find = partial(load_password, "smtp", user) if user else None
        else:
            password = load_password("smtp", user) if user else None
            if not password:
                raise BadInput(
                    _(
                        "no SMTP password: set SUPPORT_SMTP_PASSWORD or run "
                        "`support config password`"
                    )
                )
        return cls(
            host=host,
            port=int(settings.get("smtp.port")),  # type: ignore[call-overload]
            security=security,
            user=user,
            password=password,
            timeout=float(settings.get("smtp.timeout")),  # type: ignore[arg-type]
            ca_file=settings.text("smtp.ca_file") or None,
            find_password=find,
            token_command=token_command,
        )

    def tls_context(self) -> ssl.SSLContext:
        return tls_context(self.ca_file, setting="smtp.ca_file")


class Mailer:
    """One connection, many messages: `with Mailer(server) as m: m.send(outgoing)`."""

    def __init__(self, server: ServerSettings) -> None:
        self.server = server
        self.client: Any = None  # yagmail.SMTP, once connected (yagmail ships no types)

    def __enter__(self) -> Mailer:
        try:
            self._connect()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> None:
        server = self.server
        context = server.tls_context() if server.security != "none" else None
        ascii_password = server.password is not None and server.password.isascii()
        access_token = _access_token(server.token_command) if server.token_command else None
        try:
            self.client = _client_class()(
                {server.user: server.user},  # a dict: yagmail would append @gmail.com otherwise
                server.password or "",
                host=server.host,
                port=server.port,
                smtp_ssl=server.security == "ssl",
                smtp_starttls={"context": context} if server.security == "starttls" else False,
                smtp_skip_login=not ascii_password,
                soft_email_validation=False,
                smtp_set_debuglevel=1 if debug_log() else 0,
                timeout=server.timeout,
                **({"context": context} if server.security == "ssl" else {}),
            )
            self.client.login()
            if access_token:
                oauth.smtp_login(self.client.smtp, server.user, access_token)
            elif server.password and not ascii_password:
                _login_utf8(self.client.smtp, server.user, server.password)
            elif server.find_password:
                self._login_if_offered(server.find_password)
        except Exception as exc:
            raise classify(exc) from exc

    def _login_if_offered(self, find_password: Callable[[], str | None]) -> None:
        """Log in when the server offers AUTH, with the password looked up only now; with
        none stored, go on without (the server may take mail from this network)."""
        smtp = self.client.smtp
        smtp.ehlo_or_helo_if_needed()
        password = find_password() if smtp.has_extn("auth") else None
        if password and password.isascii():
            smtp.login(self.server.user, password)
        elif password:
            _login_utf8(smtp, self.server.user, password)

    def send(self, outgoing: Outgoing) -> Delivered:
        options = ["SMTPUTF8"] if outgoing.needs_smtputf8 else []
        try:
            refused = self.client.smtp.sendmail(
                envelope_address(outgoing.sender),
                outgoing.recipients,
                render(outgoing),
                mail_options=options,
            )
        except AttachmentChanged:
            raise  # not the server's doing: nothing was sent
        except Exception as exc:
            raise classify(exc) from exc
        return Delivered(
            {
                addr: f"{code} {text.decode(errors='replace')}"
                for addr, (code, text) in refused.items()
            }
        )

    def close(self) -> None:
        if self.client is None or getattr(self.client, "smtp", None) is None:
            return
        try:
            self.client.close()  # QUIT; yagmail lets an OSError or a late reply through
        except (smtplib.SMTPException, OSError):
            self.client.smtp.close()


def debug_log() -> Path | None:
    """SUPPORT_SMTP_DEBUG=1 writes the SMTP conversation to logs/smtp.log (0600)."""
    if os.environ.get("SUPPORT_SMTP_DEBUG", "") in ("", "0"):
        return None

    return paths.ensure_private_dir(paths.logs_dir()) / "smtp.log"


class _Redacting:
    """smtplib's debug printer, minus credentials: everything we send between AUTH and
    the server's verdict is replaced (AUTH LOGIN sends the password on a line of its own)."""

    in_auth = False

    def _print_debug(self, *args: object) -> None:
        text = " ".join(str(a) for a in args)
        if text.startswith("send:") and "AUTH" in text.upper():
            self.in_auth = True
            text = "send: AUTH [credentials hidden]"
        elif text.startswith("send:") and self.in_auth:
            text = "send: [credentials hidden]"
        elif text.startswith("reply: retcode") and self.in_auth and "334" not in text:
            self.in_auth = False
        elif text.startswith("data:"):
            text = text[:200]
        log = debug_log()
        if log is not None:
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | system.O_BINARY, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {text}\n")


def _client_class():  # type: ignore[no-untyped-def]
    """yagmail's client, with an SMTP connection whose debug output is redacted."""
    # Imported here: yagmail only when a connection is opened.
    import yagmail

    class SMTP(_Redacting, smtplib.SMTP):
        pass

    class SMTP_SSL(_Redacting, smtplib.SMTP_SSL):  # noqa: N801 - smtplib's name
        pass

    class Client(yagmail.SMTP):
        @property
        def connection(self):  # type: ignore[no-untyped-def, override]
            return SMTP_SSL if self.ssl else SMTP

    return Client


def _access_token(command: str) -> str:
    try:
        return oauth.token(command, setting="smtp.oauth2_token_command")
    except oauth.TokenError as exc:
        raise DeliveryError(exc.message, temporary=False) from None


def _login_utf8(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN with UTF-8 credentials (RFC 4616); smtplib's login() only takes ASCII."""
    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def classify(exc: BaseException) -> DeliveryError:
    """Every way sending can fail, as one of two outcomes with the server's reason."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(
            _("login refused: {reply}").format(reply=_reply(exc.smtp_code, exc.smtp_error)),
            temporary=False,
            hint=_(APP_PASSWORD_HINT),
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        reasons = "; ".join(
            f"{addr}: {_reply(code, text)}" for addr, (code, text) in exc.recipients.items()
        )
        return DeliveryError(
            _("recipients refused: {reasons}").format(reasons=reasons),
            temporary=any(400 <= c < 500 for c in codes),
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        reason = _reply(exc.smtp_code, exc.smtp_error)
        return DeliveryError(reason, temporary=not 500 <= exc.smtp_code < 600)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(
            _(
                "the server's certificate is not trusted ({reason}); "
                "nothing was sent and no password was given"
            ).format(reason=exc.verify_message),
            temporary=False,
            hint=_("set smtp.ca_file for a server with its own CA"),
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            _("the server does not support what we need: {reason}").format(reason=exc),
            temporary=False,
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return DeliveryError(_("the server did not answer in time"), temporary=True)
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryError(_("the server refused the connection"), temporary=True)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(
            _("the server closed the connection ({reason})").format(reason=exc), temporary=True
        )
    if isinstance(exc, OSError | smtplib.SMTPException):
        return DeliveryError(
            _("could not reach the server: {reason}").format(reason=exc), temporary=True
        )
    raise exc


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"
