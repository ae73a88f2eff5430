"""Who the customer is (login/logout) and the settings behind `support config`."""

from __future__ import annotations

import sys

from supportcli import console
from supportcli.config import KEYS, Settings, load_password, store_password
from supportcli.errors import BadInput

IDENTITY = ("user.name", "user.email", "user.account")
IDENTITY_FLAGS = {"user.name": "--name", "user.email": "--email", "user.account": "--account"}


def login(given: dict[str, str | None], *, ask: bool) -> dict[str, str]:
    """Save the given identity; ask for what is missing when we may ask."""
    settings = Settings.load()
    values = {name: given.get(name) or settings.text(name) for name in IDENTITY}
    for name in ("user.name", "user.email"):
        if not values[name]:
            if not ask:
                raise BadInput(f"{name} is missing: pass {IDENTITY_FLAGS[name]}")
            values[name] = _ask_identity(name, settings)
    if ask and not given.get("user.account") and not values["user.account"]:
        values["user.account"] = _ask_identity("user.account", settings)
    for name, value in values.items():
        if value and (given.get(name) or settings.text(name) != value):
            settings.set(name, value)
    return {name: settings.text(name) for name in IDENTITY}


def _ask_identity(name: str, settings: Settings) -> str:
    from supportcli.config import parse_value
    from supportcli.ui import prompts

    labels = {
        "user.name": "Your name (이름)",
        "user.email": "Your email address (이메일)",
        "user.account": "Your account id at the company, if you have one (optional)",
    }

    def valid(raw: str) -> bool | str:
        if not raw.strip():
            return name == "user.account" or "Please fill this in"
        try:
            parse_value(KEYS[name], raw, name)
        except BadInput as exc:
            return exc.message
        return True

    return prompts.text(labels[name], validate=valid).strip()


def logout() -> None:
    Settings.load().unset(*IDENTITY)


def set_password(kind: str) -> str:
    """Read a password (hidden prompt, or one line of standard input) into the keyring."""
    settings = Settings.load()
    account = _db_account() if kind == "db" else settings.text(f"{kind}.user")
    if not account:
        raise BadInput(
            f"{kind}.user is not set: run `support login` or "
            f"`support config set {kind}.user NAME` first"
        )
    if console.interactive():
        from supportcli.ui import prompts

        secret = prompts.password(f"{kind.upper()} password for {account}")
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        raise BadInput("no password given")
    store_password(kind, account, secret)
    return account


def _db_account() -> str:
    from supportcli.store.db import shared_account

    account = shared_account()
    if account is None:
        raise BadInput(
            "--db: SUPPORT_DB does not name a PostgreSQL database; the SQLite history "
            "needs no password"
        )
    return account


def password_state(kind: str, settings: Settings) -> str:
    account = settings.text(f"{kind}.user")
    return "set" if account and load_password(kind, account) else "not set"
