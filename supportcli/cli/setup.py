"""setup: find the mail servers from an address, show them, write them after a yes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from supportcli import console
from supportcli.cli import examples
from supportcli.errors import BadInput
from supportcli.i18n import _, language, tr

if TYPE_CHECKING:  # for annotations only: command bodies import what they run
    from supportcli.mail.discover import Discovery


def setup(
    email: str | None = typer.Option(
        None, "--email", help=_("Your email address (default user.email).")
    ),
    name: str | None = typer.Option(None, "--name", help=_("Your name, saved as user.name.")),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Write the settings without asking.")),
    as_json: bool = typer.Option(False, "--json", help=_("Print what was found as JSON.")),
) -> None:
    from supportcli.config import Settings
    from supportcli.mail import setup as use_case

    address = email or Settings.load().text("user.email") or _ask_address()
    result = use_case.find(address)
    assert result.found is not None
    chosen = use_case.values(result.found, result.address, name)
    if not as_json:
        _show(result, chosen)
    agreed = yes or (console.interactive() and _confirm())
    if agreed:
        use_case.write(chosen)
    if as_json:
        from supportcli.render.export import json_text

        typer.echo(json_text(use_case.summary(result, chosen, written=agreed), indent=2))
    if agreed:
        console.err().print(
            _(
                "Saved. Next: store your (app) password with `support config password`, "
                "then check everything with `support doctor`."
            )
        )
    elif not console.interactive():
        raise BadInput(_("nothing written: pass --yes to write these settings"))
    else:
        console.err().print(_("Nothing written."))


def _ask_address() -> str:
    if not console.interactive():
        raise BadInput(_("no address: pass --email ADDRESS"))
    from supportcli.account import LABELS
    from supportcli.ui import prompts

    return prompts.ask(
        _(LABELS["user.email"]), lambda raw: bool(raw.strip()) or _("Please fill this in")
    )


def _confirm() -> bool:
    from supportcli.ui import prompts

    return prompts.confirm(_("Write these settings?"), default=True)


def _show(result: Discovery, chosen: dict[str, str]) -> None:
    from supportcli.mail.setup import SOURCES, steps

    found = result.found
    assert found is not None
    out = console.out()
    label = found.provider.name if found.provider else found.where
    out.print(console.plain(f"{result.address}: {label}"))
    where = "" if found.source == "preset" else f" ({found.where})"
    out.print(
        console.plain("  " + tr("found in: {source}", source=_(SOURCES[found.source])) + where),
        soft_wrap=True,
    )
    for kind in ("smtp", "imap"):
        if f"{kind}.host" in chosen:
            server = f"{chosen[f'{kind}.host']}:{chosen[f'{kind}.port']}"
            login = tr("login {user}", user=chosen[f"{kind}.user"])
            out.print(
                console.plain(f"  {kind.upper()}  {server} {chosen[f'{kind}.security']}, {login}")
            )
    if found.oauth2:
        from supportcli.mail.providers import MICROSOFT_NOTE

        out.print(console.plain(f"  ! {MICROSOFT_NOTE}"), soft_wrap=True)
    out.print(_("Before the first login:"))
    # The provider's steps in the interface's language; Korean where only Korean is known.
    written = steps(found)
    for number, line in enumerate(written.get(language()) or written["ko"], 1):
        out.print(console.plain(f"  {number}. {line}"), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command(
        "setup",
        help=_("Find your mail provider's SMTP and IMAP settings from your address and save them."),
        epilog=examples(
            "support setup --email hong@naver.com",
            "support setup --email me@example.com --yes --json",
        ),
    )(setup)
