"""`support doctor`: every piece email needs, checked end to end, one verdict each.

Each check says what it saw and, when it failed, the fix. A check that could not tell
(DNS did not answer for the desk's MX; no TLS by choice) is shown but does not fail the
run. SMTP and IMAP stop at their first failure: a refused connection makes the login
line meaningless. The password is used, never shown: no message here contains it."""

from __future__ import annotations

import contextlib
import imaplib
import os
import smtplib
import socket
import ssl
from dataclasses import asdict, dataclass

from supportcli.config import PASSWORD_ENV, Settings, load_password
from supportcli.errors import SupportError
from supportcli.i18n import N_, _
from supportcli.mail import oauth, providers
from supportcli.mail.mailbox import _quote, folder_name
from supportcli.mail.sender import APP_PASSWORD_HINT, _login_utf8
from supportcli.tls import tls_context

# N_: translated where used (`_(SETUP_FIX)`), in the language of that moment.
SETUP_FIX = N_("run `support setup --email ADDRESS`, or `support config set KEY VALUE`")
CA_FIX = N_("set {kind}.ca_file to the CA bundle of a server with its own CA")
PORT_FIX = N_(
    "check {kind}.host, {kind}.port and {kind}.security (SMTP: 465 ssl or 587 starttls; "
    "IMAP: 993 ssl or 143 starttls), or `support setup`"
)


@dataclass(frozen=True)
class Check:
    name: str  # English in JSON too, for scripts: `title` is its translation
    ok: bool | None  # None: could not tell; shown, not counted
    detail: str
    fix: str | None = None

    def as_json(self) -> dict[str, object]:
        return asdict(self)

    @property
    def title(self) -> str:
        """The check's name in the interface's language, for people."""
        return _(self.name)


class Failed(Exception):
    """One check failed: the rest of its group is not tried."""

    def __init__(self, detail: str, fix: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


class _Report:
    """The checks so far; `step` names the one under way, for a failure to name."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.step = ""

    def ok(self, detail: str, *, sure: bool = True) -> None:
        self.checks.append(Check(self.step, True if sure else None, detail))


def run(settings: Settings) -> list[Check]:
    report = _Report()
    for group in (_identity, _desk, _smtp, _imap, _history, _keyring):
        try:
            group(report, settings)
        except Failed as failure:
            report.checks.append(Check(report.step, False, failure.detail, failure.fix))
        except SupportError as exc:  # a broken setting, a history that is not ours
            report.checks.append(Check(report.step, False, exc.message, exc.hint))
    return report.checks


def healthy(checks: list[Check]) -> bool:
    return all(check.ok is not False for check in checks)


# --- the groups: each stops at its first failure -------------------------------------------


def _identity(report: _Report, settings: Settings) -> None:
    report.step = N_("identity")
    name, email = settings.text("user.name"), settings.text("user.email")
    if not (name and email):
        raise Failed(
            _("user.name and user.email are not both set"),
            _("run `support login --name NAME --email ADDRESS`"),
        )
    report.ok(f"{name} <{email}>")


def _desk(report: _Report, settings: Settings) -> None:
    # Imported here: discovery's DNS (dnspython) only when doctor runs.
    from supportcli.mail.discover import Refused, mx_hosts

    report.step = N_("desk address")
    desk = settings.text("desk.email")
    if not desk:
        raise Failed(_("desk.email is not set"), _("run `support config set desk.email ADDRESS`"))
    report.ok(desk)
    report.step = N_("desk MX")
    domain = desk.rpartition("@")[2].rstrip(">")
    try:
        hosts = mx_hosts(domain)
    except Refused as exc:
        report.ok(_("could not check: {reason}").format(reason=exc), sure=False)
        return
    if not hosts:
        raise Failed(
            _("{domain} has no MX record: mail to it may not arrive").format(domain=domain),
            _("check desk.email"),
        )
    report.ok(f"{domain}: {', '.join(hosts[:3])}")


def _smtp(report: _Report, settings: Settings) -> None:
    report.step = N_("SMTP settings")
    host, port, security, timeout = _server(settings, "smtp")
    user = settings.text("smtp.user")
    report.ok(_server_line(host, port, security, user))
    report.step = N_("SMTP DNS")
    report.ok(_resolve(host, port))
    report.step = N_("SMTP connect")
    report.ok(_connect(host, port, timeout, "smtp"))
    report.step = N_("SMTP TLS")
    client = None
    try:
        client, tls = _smtp_open(settings, host, port, security, timeout)
        report.ok(tls or _("no TLS (smtp.security none)"), sure=tls is not None)
        report.step = N_("SMTP EHLO")
        code, reply = client.ehlo()
        if code != 250:
            raise Failed(f"{code} {reply.decode(errors='replace')}", _("check smtp.host"))
        report.ok(reply.decode(errors="replace").splitlines()[0])
        report.step = N_("SMTP AUTH")
        mechanisms = client.esmtp_features.get("auth", "").split()
        if not mechanisms:
            raise Failed(_("the server offers no AUTH"), _(PORT_FIX).format(kind="smtp"))
        report.ok(" ".join(mechanisms))
        report.step = N_("SMTP login")
        report.ok(_smtp_login(client, settings, user, mechanisms))
    except smtplib.SMTPException as exc:
        raise Failed(f"{exc}", _(PORT_FIX).format(kind="smtp")) from None
    except OSError as exc:
        raise _network_failure(exc, "smtp") from None
    finally:
        if client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()


def _imap(report: _Report, settings: Settings) -> None:
    report.step = N_("IMAP settings")
    host, port, security, timeout = _server(settings, "imap")
    user = settings.text("imap.user")
    report.ok(_server_line(host, port, security, user))
    report.step = N_("IMAP connect")
    report.ok(f"{_resolve(host, port)}; {_connect(host, port, timeout, 'imap')}")
    report.step = N_("IMAP TLS")
    client = None
    try:
        client, tls = _imap_open(settings, host, port, security, timeout)
        report.ok(tls or _("no TLS (imap.security none)"), sure=tls is not None)
        report.step = N_("IMAP login")
        report.ok(_imap_login(client, settings, user))
        report.step = N_("IMAP folder")
        report.ok(_folder(client, settings.text("imap.folder") or "INBOX"))
    except imaplib.IMAP4.error as exc:
        raise Failed(str(exc), _(PORT_FIX).format(kind="imap")) from None
    except OSError as exc:
        raise _network_failure(exc, "imap") from None
    finally:
        if client is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()


def _history(report: _Report, settings: Settings) -> None:
    # Imported here: the store only when doctor gets this far.
    from supportcli.store.db import connect, where

    report.step = N_("history")
    connect()  # refuses a file that is not our history, or a folder others may change
    report.ok(where())


def _keyring(report: _Report, settings: Settings) -> None:
    report.step = N_("keyring")
    backend = keyring_backend()
    env = [PASSWORD_ENV[k] for k in ("smtp", "imap") if os.environ.get(PASSWORD_ENV[k])]
    if backend in ("fail", "null", "plaintext"):
        if env:
            report.ok(_("no keyring in use: passwords from {names}").format(names=", ".join(env)))
            return
        if backend == "plaintext":
            problem = _("system keyring: stores passwords unencrypted")
        else:
            problem = _("system keyring: none works here")
        raise Failed(
            problem,
            _("set {env} in the environment, or install a keyring backend").format(
                env=PASSWORD_ENV["smtp"]
            ),
        )
    report.ok(backend)


# --- the pieces ----------------------------------------------------------------------------


def _server(settings: Settings, kind: str) -> tuple[str, int, str, float]:
    host = settings.text(f"{kind}.host")
    if not host:
        raise Failed(_("{kind}.host is not set").format(kind=kind), _(SETUP_FIX))
    port = int(settings.get(f"{kind}.port"))  # type: ignore[call-overload]
    timeout = float(settings.get("smtp.timeout"))  # type: ignore[arg-type]
    return host, port, settings.text(f"{kind}.security"), timeout


def _server_line(host: str, port: int, security: str, user: str) -> str:
    return _("{host}:{port} {security}, login {user}").format(
        host=host, port=port, security=security, user=user or _("(none)")
    )


def _resolve(host: str, port: int) -> str:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Failed(
            _("{host} does not resolve ({reason})").format(host=host, reason=exc.strerror),
            _(SETUP_FIX),
        ) from None
    return f"{host} → {found[0][4][0]}"


def _connect(host: str, port: int, timeout: float, kind: str) -> str:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return _("port {port} open").format(port=port)
    except OSError as exc:
        raise _network_failure(exc, kind) from None


def _network_failure(exc: OSError, kind: str) -> Failed:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failed(
            _("the certificate is not trusted ({reason}); no password was sent").format(
                reason=exc.verify_message
            ),
            _(CA_FIX).format(kind=kind),
        )
    if isinstance(exc, ConnectionRefusedError):
        return Failed(_("connection refused"), _(PORT_FIX).format(kind=kind))
    if isinstance(exc, TimeoutError | socket.timeout):
        return Failed(_("no answer in time"), _(PORT_FIX).format(kind=kind))
    if isinstance(exc, ssl.SSLError):
        return Failed(
            _("TLS failed ({reason})").format(reason=exc.reason or exc),
            _(PORT_FIX).format(kind=kind),
        )
    return Failed(f"{exc.strerror or exc}", _(PORT_FIX).format(kind=kind))


def _tls_detail(sock: object) -> str | None:
    if not isinstance(sock, ssl.SSLSocket):
        return None
    cert = sock.getpeercert() or {}
    return _("{version}, certificate verified, valid until {date}").format(
        version=sock.version(), date=cert.get("notAfter", "?")
    )


def _smtp_open(
    settings: Settings, host: str, port: int, security: str, timeout: float
) -> tuple[smtplib.SMTP, str | None]:
    context = tls_context(settings.text("smtp.ca_file") or None, setting="smtp.ca_file")
    if security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            client.starttls(context=context)  # needs the EHLO it sends itself
    return client, _tls_detail(client.sock)


def _smtp_login(client: smtplib.SMTP, settings: Settings, user: str, offered: list[str]) -> str:
    command = settings.text("smtp.oauth2_token_command")
    if command:
        return _smtp_oauth2(client, user, command, offered)
    provider = _provider(settings, "smtp")
    if provider is not None and provider.oauth2_only:
        raise Failed(_("basic authentication is retired here"), _(provider.login_hint))
    password = load_password("smtp", user) if user else None
    if not password:
        raise Failed(_("no SMTP password stored"), _password_fix("smtp"))
    try:
        if password.isascii():
            client.login(user, password)
        else:
            _login_utf8(client, user, password)
    except smtplib.SMTPAuthenticationError as exc:
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        raise Failed(
            _("refused: {code} {reply}").format(code=exc.smtp_code, reply=" ".join(reply.split())),
            _login_fix(provider),
        ) from None
    return _("logged in as {user}").format(user=user)


def _smtp_oauth2(client: smtplib.SMTP, user: str, command: str, offered: list[str]) -> str:
    if "XOAUTH2" not in (m.upper() for m in offered):
        raise Failed(_("the server does not offer XOAUTH2"), _("remove smtp.oauth2_token_command"))
    access_token = oauth.token(command, setting="smtp.oauth2_token_command")
    try:
        oauth.smtp_login(client, user, access_token)
    except smtplib.SMTPAuthenticationError as exc:
        raise Failed(
            _("XOAUTH2 refused: {code}").format(code=exc.smtp_code),
            _("check that smtp.oauth2_token_command prints a fresh access token for smtp.user"),
        ) from None
    return _("logged in as {user} with XOAUTH2").format(user=user)


def _imap_open(
    settings: Settings, host: str, port: int, security: str, timeout: float
) -> tuple[imaplib.IMAP4, str | None]:
    context = tls_context(settings.text("imap.ca_file") or None, setting="imap.ca_file")
    if security == "ssl":
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
    else:
        client = imaplib.IMAP4(host, port, timeout=timeout)
        if security == "starttls":
            client.starttls(ssl_context=context)
    return client, _tls_detail(client.sock)


def _imap_login(client: imaplib.IMAP4, settings: Settings, user: str) -> str:
    password = (load_password("imap", user) if user else None) or load_password(
        "smtp", settings.text("smtp.user")
    )
    if not (user and password):
        raise Failed(_("no IMAP login or password"), _password_fix("imap"))
    try:
        if "AUTH=PLAIN" in client.capabilities:
            # UTF-8 credentials (RFC 4616), as mailbox.py logs in.
            client.authenticate("PLAIN", lambda _: f"\0{user}\0{password}".encode())
        else:
            client.login(user, password)
    except imaplib.IMAP4.error as exc:
        raise Failed(
            _("refused: {reason}").format(reason=exc), _login_fix(_provider(settings, "imap"))
        ) from None
    return _("logged in as {user}").format(user=user)


def _folder(client: imaplib.IMAP4, folder: str) -> str:
    try:
        typ, data = client.select(_quote(folder_name(folder)), readonly=True)
    except UnicodeEncodeError:  # imaplib sends ASCII; IMAP wants modified UTF-7 here
        raise Failed(
            _("{folder}: a folder name that is not ASCII cannot be opened yet").format(
                folder=folder
            ),
            _("run `support config set imap.folder NAME` with an ASCII name (INBOX)"),
        ) from None
    if typ != "OK":
        raise Failed(
            _("{folder} does not exist").format(folder=folder),
            _("run `support config set imap.folder NAME` with one of your folders"),
        )
    first = data[0] if data else b"0"
    count = int(first) if isinstance(first, bytes) and first.isdigit() else 0
    return _("{folder}: {count} messages").format(  # English says "1 messages" here too
        folder=folder, count=count
    )


def _provider(settings: Settings, kind: str) -> providers.Provider | None:
    domain = settings.text("user.email").rpartition("@")[2]
    return providers.for_domain(domain) or providers.for_host(settings.text(f"{kind}.host"))


def _login_fix(provider: providers.Provider | None) -> str:
    if provider is not None:
        return _(provider.login_hint)
    return _("check the login name and password; {hint}").format(hint=_(APP_PASSWORD_HINT))


def _password_fix(kind: str) -> str:
    flag = " --imap" if kind == "imap" else ""
    return _("run `support config password{flag}` or set {env}").format(
        flag=flag, env=PASSWORD_ENV[kind]
    )


def keyring_backend() -> str:
    """The keyring backend in use: fail, null, plaintext, or its class name."""
    # Imported here: keyring and its backends cost ~30 ms: only when doctor asks.
    import keyring

    backend = keyring.get_keyring()
    kind = f"{type(backend).__module__}.{type(backend).__name__}"
    if kind.startswith("keyring.backends.fail"):
        return "fail"
    if kind.startswith("keyring.backends.null"):
        return "null"
    if "Plaintext" in kind or "Unencrypted" in kind:
        return "plaintext"
    return kind
