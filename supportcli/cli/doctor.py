"""doctor: check everything email needs, one line each, with the fix for what fails."""

from __future__ import annotations

import typer

from supportcli import console
from supportcli.cli import examples
from supportcli.i18n import N_, _, particles, tr

# The names of doctor's checks (mail/doctor.py): English in JSON, translated on screen.
CHECK_NAMES = (
    N_("identity"),
    N_("desk address"),
    N_("desk MX"),
    N_("SMTP settings"),
    N_("SMTP DNS"),
    N_("SMTP connect"),
    N_("SMTP TLS"),
    N_("SMTP EHLO"),
    N_("SMTP AUTH"),
    N_("SMTP login"),
    N_("IMAP settings"),
    N_("IMAP connect"),
    N_("IMAP TLS"),
    N_("IMAP login"),
    N_("IMAP folder"),
    N_("history"),
    N_("keyring"),
)


def doctor(as_json: bool = typer.Option(False, "--json", help=_("As JSON, for scripts."))) -> None:
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
            line = f"{mark} {check.title}: {check.detail}"
            if check.fix and check.ok is False:
                line += " → " + tr("fix: {fix}", fix=check.fix)
            out.print(console.plain(particles(line)), soft_wrap=True)
    if not healthy:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(
        "doctor",
        help=_("Check identity, desk address, SMTP, IMAP, the history and the keyring."),
        epilog=examples("support doctor", "support doctor --json"),
    )(doctor)
