"""config, login, logout, topics."""

from __future__ import annotations

import typer

from supportcli import console

config_app = typer.Typer(
    help="Show and change settings.",
    no_args_is_help=True,
    epilog="Example: support config set user.email me@example.com",
)


@config_app.command("path", epilog="Example: support config path")
def config_path() -> None:
    """Print the config file, history database and data folder in use."""
    from supportcli import paths
    from supportcli.store.db import where

    typer.echo(f"config: {paths.config_file()}")
    typer.echo(f"database: {where()}")
    typer.echo(f"data: {paths.data_dir()}")


@config_app.command("show", epilog="Example: support config show --json")
def config_show(as_json: bool = typer.Option(False, "--json", help="As JSON.")) -> None:
    """Print every setting, where it comes from, and whether a password is stored."""
    from supportcli.account import password_state
    from supportcli.config import KEYS, Settings

    settings = Settings.load()
    values = {name: settings.get(name) for name in KEYS}
    secrets = {f"{kind}.password": password_state(kind, settings) for kind in ("smtp", "imap")}
    if as_json:
        from supportcli.render.export import json_text

        typer.echo(json_text({**values, **secrets}, indent=2))
        return
    from supportcli.render.human import settings_table

    rows = [(name, values[name], settings.source(name), key.env) for name, key in KEYS.items()]
    console.out().print(settings_table(rows, secrets))


@config_app.command("set", epilog="Example: support config set desk.email help@example.com")
def config_set(
    key: str = typer.Argument(..., help="A key from `support config show`."),
    value: str = typer.Argument(..., help='The value; "" removes the key.'),
) -> None:
    """Write one setting to config.toml."""
    from supportcli.config import Settings

    stored = Settings.load().set(key, value)
    console.err().print(console.plain(f"{key} = {stored}" if stored != "" else f"{key} removed"))


@config_app.command(
    "password",
    epilog="Example: support config password  "
    "(or: printf '%s\\n' \"$PW\" | support config password)",
)
def config_password(
    imap: bool = typer.Option(False, "--imap", help="The IMAP password instead of the SMTP one."),
    db: bool = typer.Option(
        False, "--db", help="The password of the shared PostgreSQL history in SUPPORT_DB."
    ),
) -> None:
    """Store the mail password in the system keyring (never in a file)."""
    import sys

    from supportcli import account as accounts

    kind = "db" if db else "imap" if imap else "smtp"
    account = accounts.password_account(kind)
    if console.interactive():
        from supportcli.ui import prompts

        secret = prompts.password(f"{kind.upper()} password for {account}")
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    where = accounts.set_password(kind, account, secret)
    console.err().print(
        console.plain(f"Password for {account} stored in the system keyring ({where}).")
    )


def login(
    name: str | None = typer.Option(None, "--name", help="Your name."),
    email: str | None = typer.Option(None, "--email", help="Your email address."),
    account: str | None = typer.Option(None, "--account", help="Your account id."),
) -> None:
    """Say who you are: name, email and account id, used for every inquiry."""
    from supportcli.account import login as do_login

    ask = None
    if console.interactive():
        from supportcli.ui import prompts

        ask = prompts.ask
    saved = do_login({"user.name": name, "user.email": email, "user.account": account}, ask=ask)
    console.err().print(console.plain(f"Logged in as {saved['user.name']} <{saved['user.email']}>"))
    _offer_mail_setup(saved["user.email"])


def _offer_mail_setup(address: str) -> None:
    """Mail comes next: when no SMTP server is set yet, find it from the address (at a
    terminal, after a yes), or say how."""
    from supportcli.config import Settings

    if Settings.load().text("smtp.host"):
        return
    from supportcli.mail.providers import for_domain

    known = for_domain(address.rpartition("@")[2].lower())
    where = f"the mail settings of {known.name}" if known else "your mail settings"
    if console.interactive():
        from supportcli.ui import prompts

        if prompts.confirm(f"Find {where} for {address} now?"):
            from supportcli.cli.setup import setup

            setup(email=address, name=None, yes=False, as_json=False)
            return
    console.err().print(console.plain(f"Next: `support setup` finds {where} for {address}."))


def logout() -> None:
    """Forget your name, email and account id."""
    from supportcli.account import logout as do_logout

    do_logout()
    console.err().print("Logged out.")


def topics(as_json: bool = typer.Option(False, "--json", help="As JSON.")) -> None:
    """List the topics an inquiry can be about."""
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
    app.command("login", epilog="Example: support login --name 홍길동 --email hong@example.com")(
        login
    )
    app.command("logout", epilog="Example: support logout")(logout)
    app.command("topics", epilog="Example: support topics --json")(topics)
