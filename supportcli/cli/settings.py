"""config, login, logout, topics."""

from __future__ import annotations

import typer

from supportcli import console
from supportcli.cli import examples
from supportcli.i18n import _, tr

AS_JSON = _("As JSON.")

config_app = typer.Typer(
    help=_("Show and change settings."),
    no_args_is_help=True,
    epilog=examples("support config set user.email me@example.com"),
)


@config_app.command(
    "path",
    help=_("Print the config file, history database and data folder in use."),
    epilog=examples("support config path"),
)
def config_path() -> None:
    from supportcli import paths
    from supportcli.store.db import where

    # The labels stay English: scripts read these lines (CONTRACT: `config path`).
    typer.echo(f"config: {paths.config_file()}")
    typer.echo(f"database: {where()}")
    typer.echo(f"data: {paths.data_dir()}")


@config_app.command(
    "show",
    help=_("Print every setting, where it comes from, and whether a password is stored."),
    epilog=examples("support config show --json"),
)
def config_show(as_json: bool = typer.Option(False, "--json", help=AS_JSON)) -> None:
    from supportcli.account import password_state
    from supportcli.config import KEYS, Settings

    settings = Settings.load()
    values = {name: settings.get(name) for name in KEYS}
    secrets = {
        f"{kind}.password": password_state(kind, settings) for kind in ("smtp", "imap", "matrix")
    }
    if as_json:
        from supportcli.render.export import json_text

        typer.echo(json_text({**values, **secrets}, indent=2))
        return
    from supportcli.render.human import settings_table

    rows = [(name, values[name], settings.source(name), key.env) for name, key in KEYS.items()]
    console.out().print(settings_table(rows, secrets))


@config_app.command(
    "set",
    help=_("Write one setting to config.toml."),
    epilog=examples(
        "support config set desk.email help@example.com", "support config set ui.language ko"
    ),
)
def config_set(
    key: str = typer.Argument(..., help=_("A key from `support config show`.")),
    value: str = typer.Argument(..., help=_('The value; "" removes the key.')),
) -> None:
    from supportcli.config import Settings

    stored = Settings.load().set(key, value)
    said = f"{key} = {stored}" if stored != "" else tr("{key} removed", key=key)
    console.err().print(console.plain(said))


@config_app.command(
    "password",
    help=_("Store the mail password in the system keyring (never in a file)."),
    epilog=examples(
        "support config password",
        "printf '%s\\n' \"$PW\" | support config password",
        "support config password --matrix",
    ),
)
def config_password(
    imap: bool = typer.Option(
        False, "--imap", help=_("The IMAP password instead of the SMTP one.")
    ),
    db: bool = typer.Option(
        False, "--db", help=_("The password of the shared PostgreSQL history in SUPPORT_DB.")
    ),
    matrix: bool = typer.Option(
        False, "--matrix", help=_("The Matrix password of chat.matrix.user (live counsellor).")
    ),
) -> None:
    import sys

    from supportcli import account as accounts

    kind = "db" if db else "imap" if imap else "matrix" if matrix else "smtp"
    account = accounts.password_account(kind)
    if console.interactive():
        from supportcli.ui import prompts

        secret = prompts.password(
            tr("{kind} password for {account}", kind=kind.upper(), account=account)
        )
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    where = accounts.set_password(kind, account, secret)
    console.err().print(
        console.plain(
            tr(
                "Password for {account} stored in the system keyring ({where}).",
                account=account,
                where=where,
            )
        )
    )


def login(
    name: str | None = typer.Option(None, "--name", help=_("Your name.")),
    email: str | None = typer.Option(None, "--email", help=_("Your email address.")),
    account: str | None = typer.Option(None, "--account", help=_("Your account id.")),
) -> None:
    from supportcli.account import login as do_login

    ask = None
    if console.interactive():
        from supportcli.ui import prompts

        ask = prompts.ask
    saved = do_login({"user.name": name, "user.email": email, "user.account": account}, ask=ask)
    console.err().print(
        console.plain(
            tr("Logged in as {name} <{email}>", name=saved["user.name"], email=saved["user.email"])
        )
    )
    _offer_mail_setup(saved["user.email"])


def _offer_mail_setup(address: str) -> None:
    """Mail comes next: when no SMTP server is set yet, find it from the address (at a
    terminal, after a yes), or say how."""
    from supportcli.config import Settings

    if Settings.load().text("smtp.host"):
        return
    from supportcli.mail.providers import for_domain

    known = for_domain(address.rpartition("@")[2].lower())
    if known:
        where = tr("the mail settings of {provider}", provider=known.name)
    else:
        where = _("your mail settings")
    if console.interactive():
        from supportcli.ui import prompts

        if prompts.confirm(tr("Find {what} for {address} now?", what=where, address=address)):
            from supportcli.cli.setup import setup

            setup(email=address, name=None, yes=False, as_json=False)
            return
    console.err().print(
        console.plain(
            tr("Next: `support setup` finds {what} for {address}.", what=where, address=address)
        )
    )


def logout() -> None:
    from supportcli.account import logout as do_logout

    do_logout()
    console.err().print(_("Logged out."))


def topics(as_json: bool = typer.Option(False, "--json", help=AS_JSON)) -> None:
    from supportcli.topics import TOPICS

    if as_json:
        import json

        typer.echo(json.dumps(TOPICS, ensure_ascii=False, indent=2))
        return
    from supportcli.render.human import topics_table

    out = console.out()
    out.print(topics_table(TOPICS, out.width))


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.command(
        "login",
        help=_("Say who you are: name, email and account id, used for every inquiry."),
        epilog=examples("support login --name 홍길동 --email hong@example.com"),
    )(login)
    app.command(
        "logout",
        help=_("Forget your name, email and account id."),
        epilog=examples("support logout"),
    )(logout)
    app.command(
        "topics",
        help=_("List the topics an inquiry can be about."),
        epilog=examples("support topics --json"),
    )(topics)
