"""Shell completion that knows the history: `support show <TAB>` offers the newest
inquiries' ids with their subjects, `support chat --resume <TAB>` the chats, and
`--topic`, `--channel`, `--status`, `--format` their values.

The shells ask through Typer's protocol (the scripts in completions/: the request in
_SUPPORT_COMPLETE=complete_<shell> and the words in COMP_WORDS or _TYPER_COMPLETE_ARGS).
`supportcli.__main__.main` hands every request here first, before typer, rich or the
commands are imported, because the answer is wanted while the user waits at TAB (under
150 ms on a 100,000-inquiry history, docs/performance.md). What this module does not
answer (command and option names, files) returns None and goes to Typer as before.

Imports: os, sys and unicodedata here; store.recent (sqlite3) for ids, and i18n for the
topics' descriptions, only when asked for them."""

from __future__ import annotations

import os
import sys
import unicodedata

VAR = "_SUPPORT_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")

# The values the options take, as the commands check them (a test keeps them equal to
# topics.TOPICS and records.ChatStatus / EmailStatus, and to export's formats).
TOPICS = ("account", "payment", "usage", "other")
CHANNELS = ("chat", "email")
CHAT_STATUSES = ("open", "resolved", "unresolved", "escalated")
EMAIL_STATUSES = ("draft", "queued", "sent", "failed", "answered", "closed")
FORMATS = ("json", "jsonl", "csv", "markdown")
PII_MODES = ("mask", "keep", "refuse", "ask")  # config.PII_CHOICES

_FILTERS: tuple[str, ...] = ("--channel", "--status", "--topic", "--since", "--until")
_FILTERS += ("-q", "--search", "-n", "--limit")
# Per command: every option that takes a value (to tell values from arguments while
# reading the words), the kind of id its argument is (store.recent.WHICH) and whether
# it takes several. tests/test_completions.py keeps this equal to the Typer app.
COMMANDS: dict[str, tuple[tuple[str, ...], str | None, bool]] = {
    "show": (("--raw",), "any", False),
    "reply": (("--body", "--body-file", "--attach", "--pii"), "sent-email", False),
    "close": ((), "open-email", False),
    "reopen": ((), "closed", False),
    "delete": ((), "any", True),
    "chat": (("--topic", "--agent", "--resume", "--wait"), None, False),
    "wait": ((), "chat", False),
    "email": (
        ("--to", "--cc", "--topic", "--subject", "--body", "--body-file", "--attach")
        + ("--from-chat", "--edit", "--pii"),
        None,
        False,
    ),
    "list": (_FILTERS, None, False),
    "history": (_FILTERS, None, False),
    "export": (("--format", "-f", "--output", "-o", *_FILTERS), None, False),
}
# Options whose value is an inquiry id, and which inquiries they take.
ID_OPTIONS = {"--resume": "chat", "--wait": "chat", "--from-chat": "chat", "--edit": "draft"}

DESCRIPTION_CELLS = 48  # a subject is cut to this many terminal cells (a Korean syllable: 2)


def answer(environ: dict[str, str] | os._Environ[str] | None = None) -> int | None:
    """Answer the shell's completion request when it is one of ours: print the items in
    the shell's format and return the exit status. None: not ours, Typer answers it."""
    env = os.environ if environ is None else environ
    instruction = env.get(VAR, "")
    shell = instruction.removeprefix("complete_")
    if shell == instruction or shell not in SHELLS:
        return None
    try:
        args, incomplete = _words(shell, env)
        wanted = _wanted(args, incomplete)
    except (KeyError, ValueError, IndexError):  # words no shell sends: leave them to Typer
        return None
    if wanted is None:
        return None
    kind, which, typed, joined, exclude = wanted
    try:
        items = _ids(which, typed, exclude) if kind == "ids" else _values(which, typed)
    except Exception:  # noqa: BLE001 - no history, a broken one, a server away: offer nothing
        _debug()
        items = []
    if joined and shell != "bash":  # `--topic=pay`: the shell completes the whole word
        items = [(joined + value, help) for value, help in items]
    try:
        return _emit(shell, items, env)
    except OSError:  # the shell stopped reading (a second TAB, Ctrl-C): nothing to say
        return 0


def _debug() -> None:
    """Why nothing was offered, on standard error, with SUPPORT_DEBUG=1 only: at a
    prompt anything printed would land in the middle of the command being typed."""
    if os.environ.get("SUPPORT_DEBUG") == "1":
        import traceback  # only to show what went wrong

        traceback.print_exc()


# ------------------------------------------------------------------- reading the words


def _words(shell: str, env: dict[str, str] | os._Environ[str]) -> tuple[list[str], str]:
    """The words before the one being completed, and that one, as Typer reads them from
    each shell (typer._completion_classes)."""
    if shell == "bash":
        words = _split(env["COMP_WORDS"])
        current = int(env["COMP_CWORD"])
        return words[1:current], words[current] if current < len(words) else ""
    line = env.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)
    if shell in ("powershell", "pwsh"):
        incomplete = env.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
        return (words[1:-1] if incomplete else words[1:]), incomplete
    args = words[1:]
    if args and not line.endswith(" "):
        return args[:-1], args[-1]
    return args, ""


def _split(line: str) -> list[str]:
    """Words as a POSIX shell splits them; an unclosed quote keeps the partial word
    (click's split_arg_string)."""
    import shlex  # not needed before a completion; kept beside its one use

    lex = shlex.shlex(line, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    words: list[str] = []
    try:
        words.extend(lex)
    except ValueError:
        words.append(lex.token)
    return words


def _wanted(args: list[str], incomplete: str) -> tuple[str, str, str, str, set[str]] | None:
    """What is being completed, if it is ours: ("ids", kind of id, typed, "--opt=" when
    the value is joined to its option, ids already given) or ("values", option, ...)."""
    rest = list(args)
    while rest and rest[0].startswith("-"):  # the root's options are all flags
        rest.pop(0)
    if not rest or rest[0] not in COMMANDS:
        return None
    options, kind, many = COMMANDS[rest.pop(0)]
    # Bash splits `--topic=pay` at the = (COMP_WORDBREAKS): --topic, =, pay.
    if len(rest) >= 2 and rest[-1] == "=" and rest[-2] in options:
        rest.pop()
    if incomplete == "=" and rest and rest[-1] in options:
        incomplete = ""
    joined = ""
    if incomplete.startswith("--") and "=" in incomplete:
        option, _, incomplete = incomplete.partition("=")
        if option not in options:
            return None
        rest.append(option)
        joined = f"{option}="
    waiting, ended, given = None, False, []
    for word in rest:
        if waiting is not None:
            waiting = None
        elif word == "--" and not ended:
            ended = True
        elif word.startswith("-") and word != "-" and not ended:
            waiting = word if word in options else None
        else:
            given.append(word)
    if waiting is not None:
        if waiting in ID_OPTIONS:
            return "ids", ID_OPTIONS[waiting], incomplete, joined, set()
        if waiting in ("--topic", "--channel", "--format", "-f", "--pii"):
            return "values", waiting, incomplete, joined, set()
        if waiting == "--status":
            return "values", _statuses(rest), incomplete, joined, set()
        return None
    if kind is None or (incomplete.startswith("-") and not ended) or (given and not many):
        return None
    return "ids", kind, incomplete, "", set(given)


def _statuses(words: list[str]) -> str:
    """--status's values: a chat's or an email's when --channel says which."""
    for before, word in zip(words, words[1:], strict=False):
        if before == "--channel" and word in CHANNELS:
            return f"--status:{word}"
    for word in words:
        if word.startswith("--channel="):
            return f"--status:{word.partition('=')[2]}"
    return "--status"


# ---------------------------------------------------------------------- what is offered


def _values(option: str, typed: str) -> list[tuple[str, str]]:
    choices: tuple[str, ...] = {
        "--topic": TOPICS,
        "--channel": CHANNELS,
        "--format": FORMATS,
        "-f": FORMATS,
        "--pii": PII_MODES,
        "--status": CHAT_STATUSES + EMAIL_STATUSES,
        "--status:chat": CHAT_STATUSES,
        "--status:email": EMAIL_STATUSES,
    }[option]
    chosen = [value for value in choices if value.startswith(typed)]
    helps = _topic_help() if option == "--topic" else {}
    return [(value, helps.get(value, "")) for value in chosen]


def _topic_help() -> dict[str, str]:
    """Each topic's description in the interface's language, as `support topics` shows."""
    try:
        # Imported here: i18n's catalog only when topics are offered.
        from supportcli.topics import described

        return {name: describe(text) for name, text in described().items()}
    except Exception:  # noqa: BLE001 - a catalog that cannot be read: values alone
        return {}


def _ids(which: str, typed: str, exclude: set[str]) -> list[tuple[str, str]]:
    """The newest inquiries of kind `which` whose id starts with what was typed."""
    # Imported here: sqlite3 only when ids are offered.
    from supportcli.store import recent

    target = os.environ.get("SUPPORT_DB", "")
    if not target:
        # Imported here: the default history's folder (platformdirs when SUPPORT_HOME is
        # not set), only when there is no SUPPORT_DB.
        from supportcli.locations import data_dir

        target = str(data_dir() / "history.db")
    rows = recent.newest_in(target, which, typed, recent.LIMIT + len(exclude))
    return [
        (str(i), describe(subject) or f"({channel}, {topic})")
        for i, channel, topic, subject in rows
        if str(i) not in exclude
    ][: recent.LIMIT]


# --------------------------------------------------------------------- one line of text


def describe(text: str) -> str:
    """Stored text as one short line a shell can show: whitespace runs become one space,
    controls and invisible characters are dropped (a subject came from someone's mail:
    nothing in it may act on the terminal), and it is cut to DESCRIPTION_CELLS cells
    with … (a Korean syllable takes two)."""
    kept, cells = [], 0
    for char in " ".join(text.split()):
        category = unicodedata.category(char)
        if category[0] == "C" or category in ("Zl", "Zp"):
            continue
        width = 0 if category in ("Mn", "Me") else _cells(char)
        if cells + width > DESCRIPTION_CELLS - 1:
            kept.append("…")
            break
        kept.append(char)
        cells += width
    return "".join(kept).strip()


def _cells(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cells(text: str) -> int:
    """How many terminal cells `text` takes (combining marks none, wide characters two)."""
    return sum(0 if unicodedata.category(c) in ("Mn", "Me") else _cells(c) for c in text)


# ------------------------------------------------------------------- the shells' formats


def _emit(shell: str, items: list[tuple[str, str]], env: dict[str, str] | os._Environ[str]) -> int:
    """Print the items as the shell's script (completions/) reads them; the exit status."""
    if shell == "fish" and env.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        return 0 if items else 1  # 1: fish completes files instead
    if shell == "bash":
        lines = [value for value, _ in items]
    elif shell == "zsh":
        lines = [_zsh(items)] if items else []
    elif shell == "fish":
        lines = [f"{value}\t{help}" if help else value for value, help in items]
    else:  # PowerShell splits each line at ":::"; an empty tooltip is refused there
        lines = [f"{value}:::{_no_triple(help) or ' '}" for value, help in items]
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(errors="replace")  # a console that cannot show Korean gets ?s
    out.write("".join(line + "\n" for line in lines))
    out.flush()
    return 0


def _no_triple(text: str) -> str:
    """PowerShell's script splits each line at ":::": none may be left in a tooltip."""
    while ":::" in text:
        text = text.replace(":::", "::")
    return text


def _zsh(items: list[tuple[str, str]]) -> str:
    """zsh code that the script evaluates (`eval $(...)`): the items with descriptions
    for _describe, in the order given (newest first, not sorted), each word quoted.
    The unquoted $(...) splits at spaces and eval joins them back with one: describe()
    already made every space single."""

    def quoted(text: str) -> str:
        return "'" + text.replace("'", "'\\''") + "'"

    def escaped(text: str) -> str:  # _describe reads \ and \: as escapes
        return text.replace("\\", "\\\\").replace(":", "\\:")

    words = " ".join(
        quoted(escaped(value) + (f":{escaped(help)}" if help else "")) for value, help in items
    )
    return f"local -a _support_items; _support_items=({words}); _describe -V support _support_items"
