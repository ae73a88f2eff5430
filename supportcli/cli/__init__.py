"""The command line: Typer apps, one module per group, joined in root.py.

Every command module is loaded for `support --help`, so command bodies import what they
run (the use case, the renderer, the prompts) inside the function: that is what keeps
`--help` and `support list` fast, and it is the one reason for an import inside a
function here.

Help texts are translated when the module is loaded (`_()` in the decorators), so the
language is looked up once, before Typer builds the help screen."""

from supportcli.errors import BadInput
from supportcli.i18n import ngettext, tr

# The largest id either engine can hold (a signed 64-bit integer): beyond it the driver
# fails with an overflow, which is a typo in the command line, not a failure.
MAX_ID = 2**63 - 1


def checked_ids(value):  # type: ignore[no-untyped-def]
    """Typer callback for ID arguments and options: one id, a list of them, or None."""
    for one in value if isinstance(value, list | tuple) else [value]:
        if one is not None and not 1 <= one <= MAX_ID:
            raise BadInput(
                tr("{value} is not an inquiry id (ids are whole numbers from 1)", value=one)
            )
    return value


def examples(*commands: str) -> str:
    """A help screen's epilog: "Example: ..." or "Examples: a · b", the commands as typed."""
    label = ngettext("Example: {commands}", "Examples: {commands}", len(commands))
    return label.format(commands=" · ".join(commands))
