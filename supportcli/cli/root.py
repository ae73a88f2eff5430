"""The root of the command line: global options, the command groups, the error handler."""

from __future__ import annotations

import os
import sys

import typer

from supportcli import __version__, console
from supportcli.cli import chat, clicktext, doctor, email, examples, history, kb, settings, setup
from supportcli.errors import ExitCode, SupportError
from supportcli.i18n import _, particles
from supportcli.text import visible

# Typer's and Click's own words in our language, before any of them is printed.
clicktext.install()

app = typer.Typer(
    name="support",
    help=_(
        "Talk to the customer center from your terminal: chat with an agent, send an "
        "email inquiry, and keep every conversation in a private local history."
    ),
    no_args_is_help=True,
    # Plain help: typer's rich help formatter alone costs ~40 ms on every --help.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=examples("support list --search 환불"),
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"support {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help=_("Print the version and exit.")
    ),
    debug: bool = typer.Option(False, "--debug", help=_("Show tracebacks on errors.")),
) -> None:
    if debug:
        import os

        os.environ["SUPPORT_DEBUG"] = "1"


chat.register(app)
kb.register(chat.kb_app)
email.register(app)
history.register(app)
settings.register(app)
setup.register(app)
doctor.register(app)


def main(argv: list[str] | None = None) -> None:
    if argv is None and os.environ.get("_SUPPORT_COMPLETE", "").startswith("complete_"):
        # An installation whose `support` still starts here (supportcli.__main__ answers
        # before importing this module): the history's completions all the same.
        from supportcli.completion import answer

        done = answer()
        if done is not None:
            sys.exit(done)
    code = run(argv)
    if code in (129, 130, 143):
        # Interrupted in the middle of a prompt: everything is saved and said; leave now,
        # before interpreter teardown can print noise from the prompt's event loop.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the program and turn every outcome into an exit code and at most one line."""
    try:
        app(args=argv, prog_name="support")
    except SystemExit as done:
        if _pipe_closed():
            _reader_gone()
            return 0
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except SupportError as exc:
        _report(exc.message, exc.hint)
        if console.debug():
            raise
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _report(_("cancelled"))
        return int(ExitCode.CANCELLED)
    except BrokenPipeError:
        _reader_gone()
        return 0
    except Exception as exc:
        if console.debug() or "--debug" in (argv or sys.argv):
            raise
        _report(_unexpected(exc), _("run again with --debug to see the traceback"))
        return int(ExitCode.FAILED)
    finally:
        # The command's history connections close here, in one place. A command that
        # never imported the store opened none (and --help stays fast).
        store = sys.modules.get("supportcli.store.db")
        if store is not None:
            store.close_all()
    return 0


def _pipe_closed() -> bool:
    """Whether typer met a closed pipe: it then wraps the standard streams in click's
    PacifyFlushWrapper and exits with 1. Unwrapped again here, so the one answer to a closed
    pipe is the one below."""
    closed = False
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if type(stream).__name__ == "PacifyFlushWrapper":
            setattr(sys, name, stream.wrapped)
            closed = True
    return closed


def _reader_gone() -> None:
    """The reader of our output went away (`support show 1 | head -1`): it has what it
    wanted, so the command ends quietly with 0, whichever command it was. What is still
    buffered for standard output goes to /dev/null, or Python's own flush at exit would
    hit the closed pipe again and print an error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real standard output (a test's capture)
        pass


def _unexpected(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        named = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{named}"
    return _("unexpected error: {kind}: {error}").format(kind=type(exc).__name__, error=exc)


def _report(message: str, hint: str | None = None) -> None:
    line = f"support: {message}"
    if hint:
        line += f" ({hint})"
    # An error may quote a server's reply, a file name or stored text: shown, never obeyed.
    # Its Korean particles agree with the words filled in (see i18n.particles).
    print(visible(particles(line).replace("\n", " ")), file=sys.stderr)
