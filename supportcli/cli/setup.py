"""setup: find the mail servers from an address, show them, write them after a yes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from supportcli import console
from supportcli.errors import BadInput

if TYPE_CHECKING:  # for annotations only: command bodies import what they run
    from supportcli.mail.discover import Discovery


def setup(
    email: str | None = typer.Option(
        None, "--email", help="Your email address (default user.email)."
    ),
    name: str | None = typer.Option(None, "--name", help="Your name, saved as user.name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Write the settings without asking."),
    as_json: bool = typer.Option(False, "--json", help="Print what was found as JSON."),
) -> None:
    """Find your mail provider's SMTP and IMAP settings from your address and save them."""
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
            "Saved. Next: store your (app) password with `support config password`, "
            "then check everything with `support doctor`."
        )
    elif not console.interactive():
        raise BadInput("nothing written: pass --yes to write these settings")
    else:
        console.err().print("Nothing written.")


def _ask_address() -> str:
    if not console.interactive():
        raise BadInput("no address: pass --email ADDRESS")
    from supportcli.account import LABELS
    from supportcli.ui import prompts

    return prompts.ask(LABELS["user.email"], lambda raw: bool(raw.strip()) or "Please fill this in")


def _confirm() -> bool:
    from supportcli.ui import prompts

    return prompts.confirm("Write these settings? (이 설정을 저장할까요?)", default=True)


def _show(result: Discovery, chosen: dict[str, str]) -> None:
    from supportcli.mail.setup import SOURCES, steps

    found = result.found
    assert found is not None
    out = console.out()
    label = found.provider.name if found.provider else found.where
    out.print(console.plain(f"{result.address}: {label}"))
    where = "" if found.source == "preset" else f" ({found.where})"
    out.print(console.plain(f"  found in: {SOURCES[found.source]}{where}"), soft_wrap=True)
    for kind in ("smtp", "imap"):
        if f"{kind}.host" in chosen:
            out.print(
                console.plain(
                    f"  {kind.upper()}  {chosen[f'{kind}.host']}:{chosen[f'{kind}.port']} "
                    f"{chosen[f'{kind}.security']}, login {chosen[f'{kind}.user']}"
                )
            )
    if found.oauth2:
        from supportcli.mail.providers import MICROSOFT_NOTE

        out.print(console.plain(f"  ! {MICROSOFT_NOTE}"), soft_wrap=True)
    out.print("Before the first login (처음 로그인하기 전에):")
    for lang, lines in steps(found).items():
        if lang == "en" and lines:
            out.print("  In English:")
        for number, line in enumerate(lines, 1):
            out.print(console.plain(f"  {number}. {line}"), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command(
        "setup",
        epilog="Examples: support setup --email hong@naver.com · "
        "support setup --email me@example.com --yes --json",
    )(setup)
