"""Who the customer is (login/logout, the identity every inquiry needs) and the passwords
behind `support config password`. Questions are asked through the `Ask` the caller hands
in, so this module never touches a terminal."""

from __future__ import annotations

from collections.abc import Callable

from supportcli.config import KEYS, Settings, load_password, parse_value, store_password
from supportcli.errors import BadInput
from supportcli.i18n import N_, _

IDENTITY = ("user.name", "user.email", "user.account")
IDENTITY_FLAGS = {"user.name": "--name", "user.email": "--email", "user.account": "--account"}
IDENTITY_ENV = {"user.name": "SUPPORT_USER_NAME", "user.email": "SUPPORT_USER_EMAIL"}
# N_: translated where asked (`_(LABELS[name])`), in the language of that moment.
LABELS = {
    "user.name": N_("Your name (이름)"),
    "user.email": N_("Your email address (이메일)"),
    "user.account": N_("Your account id at the company, if you have one (optional)"),
}

# (label, validate) -> the answer; validate returns True or the problem to show.
Ask = Callable[[str, Callable[[str], "bool | str"]], str]


def login(given: dict[str, str | None], *, ask: Ask | None) -> dict[str, str]:
    """Save the given identity; ask for what is missing when we may ask."""
    settings = Settings.load()
    values = {name: given.get(name) or settings.text(name) for name in IDENTITY}
    for name in ("user.name", "user.email"):
        if not values[name]:
            if ask is None:
                raise BadInput(
                    _("{name} is missing: pass {flag}").format(name=name, flag=IDENTITY_FLAGS[name])
                )
            values[name] = _ask_identity(ask, name)
    if ask is not None and not given.get("user.account") and not values["user.account"]:
        values["user.account"] = _ask_identity(ask, "user.account")
    for name, value in values.items():
        if value and (given.get(name) or settings.text(name) != value):
            settings.set(name, value)
    return {name: settings.text(name) for name in IDENTITY}


def require_identity(settings: Settings, *, ask: Ask | None) -> Settings:
    """Who is asking: the login step when name or email is missing."""
    missing = [name for name in ("user.name", "user.email") if not settings.text(name)]
    if not missing:
        return settings
    if ask is None:
        raise BadInput(
            _("{name} is not set: run `support login` or set {env}").format(
                name=missing[0], env=IDENTITY_ENV[missing[0]]
            )
        )
    login({}, ask=ask)
    return Settings.load()


def _ask_identity(ask: Ask, name: str) -> str:
    def valid(raw: str) -> bool | str:
        if not raw.strip():
            return name == "user.account" or _("Please fill this in")
        try:
            parse_value(KEYS[name], raw, name)
        except BadInput as exc:
            return exc.message
        return True

    return ask(_(LABELS[name]), valid).strip()


def logout() -> None:
    Settings.load().unset(*IDENTITY)


def password_account(kind: str) -> str:
    """The keyring account a `kind` (smtp, imap, db) password is stored under."""
    if kind == "db":
        return _db_account()
    key = user_key(kind)
    account = Settings.load().text(key)
    if not account:
        raise BadInput(
            _(
                "{key} is not set: run `support login` or `support config set {key} NAME` first"
            ).format(key=key)
        )
    return account


def user_key(kind: str) -> str:
    """The setting that names the login a `kind` password belongs to."""
    return "chat.matrix.user" if kind == "matrix" else f"{kind}.user"


def set_password(kind: str, account: str, secret: str) -> str:
    """Store a password; the name of the keyring that holds it."""
    if not secret:
        raise BadInput(_("no password given"))
    return store_password(kind, account, secret)


def _db_account() -> str:
    # Imported here: the store only when a shared history's password is asked for.
    from supportcli.store.db import shared_account

    account = shared_account()
    if account is None:
        raise BadInput(
            _(
                "--db: SUPPORT_DB does not name a PostgreSQL database; the SQLite history "
                "needs no password"
            )
        )
    return account


def password_state(kind: str, settings: Settings) -> str:
    account = settings.text(user_key(kind))
    return "set" if account and load_password(kind, account) else "not set"
