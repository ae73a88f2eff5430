"""doctor: check everything email needs, one line each, with the fix for what fails."""

from __future__ import annotations

import typer

from supportcli import console


def doctor(as_json: bool = typer.Option(False, "--json", help="As JSON, for scripts.")) -> None:
    """Check identity, desk address, SMTP, IMAP, the history and the keyring."""
    from supportcli.config import Settings
    from supportcli.mail import doctor as use_case

    checks = use_case.run(Settings.load())
    healthy = use_case.healthy(checks)
    if as_json:
        from supportcli.render.export import json_text

        data = {"ok": healthy, "checks": [check.as_json() for check in checks]}
        typer.echo(json_text(data, indent=2))
    else:
        out = console.out()
        for check in checks:
            mark = {True: "✓", False: "✗", None: "!"}[check.ok]
            line = f"{mark} {check.name}: {check.detail}"
            if check.fix and check.ok is False:
                line += f" → fix: {check.fix}"
            out.print(console.plain(line), soft_wrap=True)
    if not healthy:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("doctor", epilog="Examples: support doctor · support doctor --json")(doctor)
