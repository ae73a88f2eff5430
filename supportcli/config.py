"""Settings from config.toml, overridden by SUPPORT_* variables; secrets from keyring or env.

Passwords never pass through this file's writer: `Settings.save` refuses unknown keys and
there is no password key, so nothing secret can land in config.toml.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from supportcli import keychain, paths
from supportcli.addresses import normalize_address
from supportcli.errors import BadInput, SupportError
from supportcli.i18n import CHOICES as LANGUAGE_CHOICES
from supportcli.i18n import tr
from supportcli.text import header_problem

SECURITY_CHOICES = ("ssl", "starttls", "none")
PII_CHOICES = ("mask", "keep", "refuse", "ask")  # mail/privacy.py's MODES
KEYRING_SERVICE = "support"


@dataclass(frozen=True)
class Key:
    name: str
    env: str
    help: str
    kind: str = "str"  # str | int | float | choice | email
    choices: tuple[str, ...] = ()
    # For a float: the smallest and largest values that make sense. `inf` would make every
    # wait endless and the outbox's stale-claim arithmetic overflow.
    limits: tuple[float, float] = (0.0, 0.0)


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("user.name", "SUPPORT_USER_NAME", "the customer's name"),
        Key(
            "user.email",
            "SUPPORT_USER_EMAIL",
            "the customer's address: From of every inquiry",
            "email",
        ),
        Key("user.account", "SUPPORT_USER_ACCOUNT", "the customer's account id (optional)"),
        Key(
            "desk.email",
            "SUPPORT_DESK_EMAIL",
            "the customer center's address: To of inquiries",
            "email",
        ),
        Key("smtp.host", "SUPPORT_SMTP_HOST", "SMTP server"),
        Key("smtp.port", "SUPPORT_SMTP_PORT", "465 for ssl, 587 for starttls, 25 for none", "int"),
        Key(
            "smtp.security",
            "SUPPORT_SMTP_SECURITY",
            "ssl, starttls or none (default ssl)",
            "choice",
            SECURITY_CHOICES,
        ),
        Key("smtp.user", "SUPPORT_SMTP_USER", "login name (default user.email)"),
        Key(
            "smtp.timeout",
            "SUPPORT_SMTP_TIMEOUT",
            "seconds for connect and each reply (30)",
            "float",
            limits=(0.1, 3600.0),
        ),
        Key("smtp.ca_file", "SUPPORT_SMTP_CA_FILE", "an extra CA bundle to trust"),
        Key(
            "smtp.oauth2_token_command",
            "SUPPORT_SMTP_OAUTH2_TOKEN_COMMAND",
            "a command printing an OAuth 2.0 access token: log in with XOAUTH2",
        ),
        Key("imap.host", "SUPPORT_IMAP_HOST", "IMAP server for answers"),
        Key("imap.port", "SUPPORT_IMAP_PORT", "993 for ssl, 143 for starttls", "int"),
        Key(
            "imap.security",
            "SUPPORT_IMAP_SECURITY",
            "ssl, starttls or none (default ssl)",
            "choice",
            SECURITY_CHOICES,
        ),
        Key("imap.user", "SUPPORT_IMAP_USER", "IMAP login (default smtp.user)"),
        Key("imap.folder", "SUPPORT_IMAP_FOLDER", "mailbox to read answers from (INBOX)"),
        Key("imap.ca_file", "SUPPORT_IMAP_CA_FILE", "an extra CA bundle to trust for IMAP"),
        Key(
            "imap.max_message_mb",
            "SUPPORT_IMAP_MAX_MESSAGE_MB",
            "largest answer fetched whole, in MB (50); past it only its start is read",
            "float",
            limits=(0.01, 10240.0),
        ),
        Key(
            "desk.answer_from",
            "SUPPORT_DESK_ANSWER_FROM",
            "more addresses and domains the desk answers from, comma-separated",
        ),
        Key("chat.agent", "SUPPORT_CHAT_AGENT", "which agent answers chats (default kb)"),
        Key("chat.kb_dir", "SUPPORT_KB_DIR", "a folder of extra help-center articles"),
        Key(
            "chat.matrix.homeserver",
            "SUPPORT_MATRIX_HOMESERVER",
            "the counsellors' Matrix homeserver (https://...): the `matrix` agent",
        ),
        Key("chat.matrix.user", "SUPPORT_MATRIX_USER", "your Matrix user (@you:example.com)"),
        Key(
            "chat.matrix.desk",
            "SUPPORT_MATRIX_DESK",
            "the counsellors' Matrix user ID to invite, or room alias to join",
        ),
        Key(
            "chat.matrix.ca_file",
            "SUPPORT_MATRIX_CA_FILE",
            "an extra CA bundle to trust for the homeserver",
        ),
        Key(
            "ui.language",
            "SUPPORT_LANG",
            "the interface's language: ko, en or auto (the locale's; default)",
            "choice",
            LANGUAGE_CHOICES,
        ),
        Key(
            "kb.delay",
            "SUPPORT_KB_DELAY",
            "seconds between two requests to a help center while importing (1)",
            "float",
            limits=(0.0, 600.0),
        ),
        Key(
            "kb.timeout",
            "SUPPORT_KB_TIMEOUT",
            "seconds to wait for a help-center page while importing (20)",
            "float",
            limits=(0.1, 3600.0),
        ),
        Key(
            "email.max_attachment_mb",
            "SUPPORT_MAX_ATTACHMENT_MB",
            "largest total attachment size after encoding, in MB (25)",
            "float",
            limits=(0.001, 10240.0),
        ),
        Key(
            "pii.mode",
            "SUPPORT_PII_MODE",
            "personal data in an outgoing email: mask, keep, refuse, or ask (default: ask "
            "at a terminal; without one ask refuses)",
            "choice",
            PII_CHOICES,
        ),
    )
}

DEFAULTS: dict[str, object] = {
    "smtp.security": "ssl",
    "smtp.timeout": 30.0,
    "imap.security": "ssl",
    "imap.folder": "INBOX",
    "chat.agent": "kb",
    "kb.delay": 1.0,
    "kb.timeout": 20.0,
    "email.max_attachment_mb": 25.0,
    "imap.max_message_mb": 50.0,
    "ui.language": "auto",
    "pii.mode": "ask",
}
PORTS = {
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
}


def parse_value(key: Key, raw: str, origin: str) -> object:
    """Check and convert one raw value; `origin` names where it came from for the error."""
    raw = raw.strip()

    problem = header_problem(raw, encoded_words=False)
    if problem:
        raise BadInput(f"{origin}: {key.name}: {problem}")
    if key.kind == "int":
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise BadInput(
                tr(
                    "{origin}: {key} must be a port number, not {value}",
                    origin=origin,
                    key=key.name,
                    value=repr(raw),
                )
            )
        return int(raw)
    if key.kind == "float":
        low, high = key.limits
        try:
            number = float(raw)
        except ValueError:
            number = -1.0
        if not low <= number <= high:  # false for nan and inf too
            raise BadInput(
                tr(
                    "{origin}: {key} must be a number from {low} to {high}, not {value}",
                    origin=origin,
                    key=key.name,
                    low=format(low, "g"),
                    high=format(high, "g"),
                    value=repr(raw),
                )
            )
        return number
    if key.kind == "choice" and raw not in key.choices:
        raise BadInput(
            tr(
                "{origin}: {key} must be one of {choices}",
                origin=origin,
                key=key.name,
                choices=", ".join(key.choices),
            )
        )
    if key.kind == "email" and raw:
        return normalize_address(raw, field=origin)
    return raw


class Settings:
    """The merged view: environment over config.toml over defaults."""

    def __init__(self, file_values: dict[str, object], path: Path) -> None:
        self.file_values = file_values
        self.path = path

    @classmethod
    def load(cls) -> Settings:
        path = paths.config_file()
        return cls(_read_toml(path), path)

    def source(self, name: str) -> str:
        key = KEYS[name]
        if os.environ.get(key.env):
            return "env"
        if name in self.file_values:
            return "file"
        return "default"

    def get(self, name: str) -> object | None:
        key = KEYS[name]
        env_value = os.environ.get(key.env)
        if env_value:
            return parse_value(key, env_value, key.env)
        if name in self.file_values:
            return _checked(key, self.file_values[name], self.path)
        return self._default(name)

    def text(self, name: str) -> str:
        value = self.get(name)
        return "" if value is None else str(value)

    def _default(self, name: str) -> object | None:
        if name in DEFAULTS:
            return DEFAULTS[name]
        section, _, field = name.partition(".")
        if field == "port":
            return PORTS[section][str(self.get(f"{section}.security"))]
        if name == "smtp.user":
            return self.get("user.email")
        if name == "imap.user":
            return self.get("smtp.user")
        return None

    def set(self, name: str, raw: str) -> object:
        key = KEYS.get(name)
        if key is None:
            raise BadInput(tr("unknown setting {name}; see `support config show`", name=repr(name)))
        value = parse_value(key, raw, name)
        if value == "":
            self.file_values.pop(name, None)
        else:
            self.file_values[name] = value
        self.save()
        return value

    def unset(self, *names: str) -> None:
        for name in names:
            self.file_values.pop(name, None)
        self.save()

    def save(self) -> None:
        paths.write_private_file(self.path, _dump_toml(self.file_values).encode())

    def require(self, name: str, flag: str | None = None) -> str:
        value = self.text(name)
        if not value:
            if flag:
                message = tr(
                    "{name} is not set: pass {flag} or run `support config set {name} VALUE` "
                    "or set {env}",
                    name=name,
                    flag=flag,
                    env=KEYS[name].env,
                )
            else:
                message = tr(
                    "{name} is not set: run `support config set {name} VALUE` or set {env}",
                    name=name,
                    env=KEYS[name].env,
                )
            raise BadInput(message)
        return value


def _checked(key: Key, value: object, path: Path) -> object:
    """A value from config.toml, checked when read exactly as `config set` checks it: the
    file may have been edited by hand (`smtp.timeout = inf`, `smtp.port = "x"`)."""
    origin = f"{path}"
    if isinstance(value, dict | list) or isinstance(value, bool) and key.kind != "str":
        raise BadInput(
            tr(
                "{origin}: {key} has the wrong type; fix it with `support config set {key} VALUE`",
                origin=origin,
                key=key.name,
            )
        )
    try:
        return parse_value(key, str(value), origin)
    except BadInput as exc:
        raise BadInput(
            tr(
                "{problem} (fix it with `support config set {key} VALUE`)",
                problem=exc.message,
                key=key.name,
            )
        ) from None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SupportError(tr("cannot read {path}: {reason}", path=path, reason=exc)) from exc
    # Imported here: tomllib compiles its patterns when imported (~1 ms), which a command
    # run without a config file (`kb search` in a fresh home) need not pay.
    import tomllib

    try:
        with handle:
            paths.check_private(path, "config file")
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SupportError(tr("cannot read {path}: {reason}", path=path, reason=exc)) from exc
    return _flatten(data)


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, object]:
    """`[chat] matrix.user = ...` (a dotted key, as `_dump_toml` writes a three-part name)
    reads as a nested table: back to the flat `chat.matrix.user`."""
    flat: dict[str, object] = {}
    for field, value in table.items():
        name = f"{prefix}{field}"
        if name in KEYS:
            flat[name] = value
        elif isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
    return flat


def _dump_toml(values: dict[str, object]) -> str:
    sections: dict[str, dict[str, object]] = {}
    for name in sorted(values):
        section, _, field = name.partition(".")
        sections.setdefault(section, {})[field] = values[name]
    lines = ["# support settings; `support config set KEY VALUE` writes this file."]
    for section, table in sections.items():
        lines.append(f"\n[{section}]")
        lines.extend(f"{field} = {_toml_value(value)}" for field, value in table.items())
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


# --- secrets -----------------------------------------------------------------------------

PASSWORD_ENV = {
    "smtp": "SUPPORT_SMTP_PASSWORD",
    "imap": "SUPPORT_IMAP_PASSWORD",
    "db": "SUPPORT_DB_PASSWORD",  # a shared PostgreSQL history's
    "matrix": "SUPPORT_MATRIX_PASSWORD",  # the live counsellor's homeserver
}


class NoKeyring(SupportError):
    pass


def _keyring():  # type: ignore[no-untyped-def]
    """The keyring backend that may hold a password, and the library's error types.
    Raises NoKeyring (naming the environment variable to use instead) when the backend
    here is a plain file or no keyring at all: see keychain.py."""
    # Imported here: keyring and its backends cost ~30 ms: only when a password is needed.
    import keyring
    import keyring.errors

    try:
        backend, why = keychain.choose(keyring.get_keyring())
    except (keyring.errors.KeyringError, RuntimeError, ImportError) as exc:
        backend, why = (
            None,
            tr("no system keyring is available here ({kind})", kind=type(exc).__name__),
        )
    return backend, why, keyring.errors


def store_password(kind: str, account: str, password: str) -> str:
    """Store `password` in the system keyring; the keyring's name for the message."""
    backend, why, errors = _keyring()
    if backend is None:
        raise NoKeyring(
            tr("{why}; set {env} in the environment instead", why=why, env=PASSWORD_ENV[kind])
        )
    try:
        backend.set_password(f"{KEYRING_SERVICE}-{kind}", account, password)
    except (errors.KeyringError, RuntimeError) as exc:
        raise NoKeyring(
            tr(
                "no system keyring is available here ({kind}); "
                "set {env} in the environment instead",
                kind=type(exc).__name__,
                env=PASSWORD_ENV[kind],
            )
        ) from exc
    return keychain.label(backend)


def load_password(kind: str, account: str) -> str | None:
    """The password from the environment, else the keyring; None when there is none."""
    env_value = os.environ.get(PASSWORD_ENV[kind])
    if env_value:
        return env_value
    backend, _, errors = _keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(f"{KEYRING_SERVICE}-{kind}", account)  # type: ignore[no-any-return]
    except (errors.KeyringError, RuntimeError):
        return None


def keep_token(kind: str, account: str, token: str) -> bool:
    """Keep a login's access token in the system keyring, never in a file; False when no
    keyring can hold it (then the next run logs in with the password again)."""
    backend, _, errors = _keyring()
    if backend is None:
        return False
    try:
        backend.set_password(f"{KEYRING_SERVICE}-{kind}-token", account, token)
    except (errors.KeyringError, RuntimeError):
        return False
    return True


def kept_token(kind: str, account: str) -> str | None:
    backend, _, errors = _keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(f"{KEYRING_SERVICE}-{kind}-token", account)  # type: ignore[no-any-return]
    except (errors.KeyringError, RuntimeError):
        return None
