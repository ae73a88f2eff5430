"""Typer's and Click's own words (usage lines, help sections, "No such option", "Error:")
in the interface's language.

Typer 0.27-0.28 carries its own copy of Click (typer._click) whose messages are plain
English f-strings: unlike upstream Click, that copy never calls gettext, so installing a
catalog for the default domain reaches none of them. Only typer/core.py asks
`gettext.gettext` (section titles, "default:", "Missing command."), by a name imported
at its top. So, for a language other than English, `install()` puts our catalog in place
at the three doors those words pass through: typer.core's `_`, the help formatter (the
"Usage:" prefix and the help option's text), and the way a usage error is shown (its
message read back into our msgids below). English is left exactly as Typer prints it.
tests/test_i18n.py checks the English these patterns expect against the installed Typer,
so an upgrade that rewords them fails there, not silently on a customer's screen."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from typing import IO, Any

import typer.core
from typer._click import core as click_core
from typer._click import exceptions as click_errors
from typer._click import formatting as click_formatting
from typer._click.utils import echo

from supportcli.i18n import N_, _, language, tr

# Typer's own gettext calls (typer/core.py), carried in our catalog.
TYPER_MSGIDS = (
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
)
# Help texts of the options Typer adds itself, as its copy of Click and typer/completion.py
# write them: translated where the help screen lists them.
OPTION_HELP = frozenset(
    (
        N_("Show this message and exit."),
        N_("Install completion for the current shell."),
        N_("Show completion for the current shell, to copy it or customize the installation."),
        N_("Install completion for the specified shell."),
        N_("Show completion for the specified shell, to copy it or customize the installation."),
    )
)

# Click's messages as the copy inside Typer writes them, each read back into a msgid
# with named parts. A part named `problem` is itself a message, read back the same way.
# Compiled on the first error (never for English, nor for a run without a usage error).
PATTERNS = (
    (
        r"Invalid value for (?P<name>.+?): (?P<problem>.+)",
        N_("Invalid value for {name}: {problem}"),
    ),
    (r"Invalid value: (?P<problem>.+)", N_("Invalid value: {problem}")),
    (r"Missing argument (?P<name>.+)\.", N_("Missing argument {name}.")),
    (r"Missing option (?P<name>.+)\.", N_("Missing option {name}.")),
    (r"Missing parameter (?P<name>.+)\.", N_("Missing parameter {name}.")),
    (
        r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
        N_("No such option: {name} (Possible options: {options})"),
    ),
    (r"No such option: (?P<name>.+)", N_("No such option: {name}")),
    (
        r"Option (?P<name>'.+') requires an argument\.",
        N_("Option {name} requires an argument."),
    ),
    (
        r"Option (?P<name>'.+') does not take a value\.",
        N_("Option {name} does not take a value."),
    ),
    (
        r"Got unexpected extra argument\(s\) \((?P<args>.*)\)",
        N_("Got unexpected extra argument(s) ({args})"),
    ),
    (r"(?P<value>.+) is not a valid integer\.", N_("{value} is not a valid integer.")),
    (r"(?P<value>.+) is not a valid int\.", N_("{value} is not a valid integer.")),
    (r"(?P<value>.+) is not a valid float\.", N_("{value} is not a valid number.")),
    (
        r"(?P<value>.+) is not in the range (?P<range>.+)\.",
        N_("{value} is not in the range {range}."),
    ),
    (r"(?P<value>.+) is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
    (
        r"(?P<value>.+) is not a valid boolean\. Recognized values: (?P<values>.+)",
        N_("{value} is not a valid boolean. Recognized values: {values}"),
    ),
)


@cache
def _compiled() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern, re.S), msgid) for pattern, msgid in PATTERNS]


def translated(message: str) -> str:
    """One of Click's messages in our language; an unknown one as it is."""
    for pattern, msgid in _compiled():
        match = pattern.fullmatch(message)
        if match:
            parts = match.groupdict()
            if "problem" in parts:
                parts["problem"] = translated(parts["problem"])
            return tr(msgid, **parts)
    return _(message)  # typer.core's own, already ours, pass through unchanged


class Formatter(click_formatting.HelpFormatter):
    """The help screen in our language: "Usage:", the lines of Typer's own options, and
    text wrapped by terminal cells (Click counts characters, and a Korean character
    takes two cells: its lines ran past the edge of the terminal)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else _("Usage: "))

    def write_text(self, text: str) -> None:
        self.write(_wrap(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, _(text) if text in OPTION_HELP else text) for term, text in rows]
        first = min(max((_cells(term) for term, _text in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(indent + term)
            if not text:
                self.write("\n")
                continue
            if _cells(term) <= first - col_spacing:
                self.write(" " * (first - _cells(term)))
            else:
                self.write("\n" + " " * (first + self.current_indent))
            lines = _wrap(text, max(self.width - first - 2, 10), "").split("\n")
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write((" " * (first + self.current_indent) + line).rstrip() + "\n")


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(text: str, width: int, indent: str) -> str:
    """Paragraphs (split at blank lines) wrapped between words to `width` cells."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines: list[str] = []
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and _cells(indent + candidate) > width:
                lines.append(indent + line)
                candidate = word
            line = candidate
        lines.append(indent + line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _show_error(self: click_errors.ClickException, file: IO[Any] | None = None) -> None:
    """ClickException.show and UsageError.show, in our language: the usage line and
    "Try ... for help." before a usage error, then "Error: ..."."""
    file = file or sys.stderr
    ctx = getattr(self, "ctx", None)
    if isinstance(self, click_errors.UsageError) and ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = (
                tr(
                    "Try '{command} {option}' for help.",
                    command=ctx.command_path,
                    option=ctx.help_option_names[0],
                )
                + "\n"
            )
        echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
    message = translated(self.format_message())
    echo(tr("Error: {message}", message=message), file=file)


def install() -> None:
    """Our catalog at Typer's and Click's doors; nothing at all for English."""
    if language() == "en":
        return
    typer.core._ = _  # type: ignore[attr-defined]
    click_core.Context.formatter_class = Formatter
    click_errors.ClickException.show = _show_error  # type: ignore[method-assign]
    click_errors.UsageError.show = _show_error  # type: ignore[method-assign]
    # NoArgsIsHelpError keeps its own show(): it prints the help screen, translated above.
