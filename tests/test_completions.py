"""Shell completion: the shipped scripts are the ones the app generates today, and through
them bash, zsh and fish (real shells, real `support`, a real seeded history) complete
inquiry ids with their subjects and the options' values. PowerShell is not installed
here: its protocol's output is checked as its script reads it."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import seed
from servers import require

from supportcli import completion, config, topics
from supportcli.records import ChatStatus, EmailStatus
from supportcli.render import export

FOLDER = Path(__file__).resolve().parent.parent / "completions"
BIN = Path(sys.executable).parent  # where `support` is installed, for the shells' PATH

LONG = "결제가 두 번 됐어요. 카드 명세서에 같은 금액이 두 번 찍혀 있는데 하나는 취소해 주세요"


def _generated() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("generate", FOLDER / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.scripts()


@pytest.mark.parametrize("name", ["support.bash", "_support", "support.fish", "support.ps1"])
def test_completion_script_is_current(name):
    expected = _generated()[name]
    assert (FOLDER / name).read_text(encoding="utf-8") == expected, (
        f"completions/{name} is stale: run python completions/generate.py"
    )


def test_completion_answers_from_the_app(run):
    result = run(
        env={"_SUPPORT_COMPLETE": "complete_bash", "COMP_WORDS": "support con", "COMP_CWORD": "1"}
    )
    assert "config" in result.stdout.split()


# ---------------------------------------------------------------- a history to complete


@pytest.fixture
def history(db):
    """Twelve inquiries of every kind; ids 1-12 in this order."""
    made = {
        "sent": seed.email(db, "payment", LONG, "본문"),
        "chat-empty": seed.chat(db, "account", [("customer", "hi")], status="resolved"),
        "closed": seed.email(db, "usage", "Refund: order 123", "b", status="closed"),
        "draft": seed.email(db, "other", "초안 문의", "b", status="draft"),
        "chat": seed.chat(
            db, "usage", [("customer", "x")], subject="앱이 자꾸 꺼져요\n\t두 번째 줄"
        ),
        "answered": seed.email(db, "account", "비밀번호 재설정", "b", status="answered"),
        "queued": seed.email(db, "payment", 'it\'s "$HOME" `id` \\n a:::b', "b", status="queued"),
        "escape": seed.email(db, "usage", "\x1b[31mred\x1b[0m\u202egnp.exe", "b", status="failed"),
    }
    for n in range(9, 13):
        made[f"more{n}"] = seed.email(db, "other", f"문의 {n}", "b", status="sent")
    assert list(made.values()) == list(range(1, 13))
    return made


def _ask(shell: str, line: str, **extra: str) -> dict[str, str]:
    """The environment a shell's script (completions/) sets for `line` typed so far."""
    env = {"_SUPPORT_COMPLETE": f"complete_{shell}", **extra}
    if shell == "bash":
        words = line.split(" ")
        env |= {"COMP_WORDS": " ".join(words), "COMP_CWORD": str(len(words) - 1)}
    elif shell in ("powershell", "pwsh"):
        word = "" if line.endswith(" ") else line.split(" ")[-1]
        env |= {"_TYPER_COMPLETE_ARGS": line.rstrip(), "_TYPER_COMPLETE_WORD_TO_COMPLETE": word}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": line}
        if shell == "fish":
            env.setdefault("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    return env


def _fish(run, line: str) -> list[tuple[str, str]]:
    result = run(env=_ask("fish", line))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [tuple((row + "\t").split("\t")[:2]) for row in result.stdout.splitlines()]


def _ids(items) -> list[int]:
    return [int(value) for value, _ in items]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("support show ", list(range(12, 0, -1))),
        ("support show 1", [12, 11, 10, 1]),  # the prefix typed, newest first
        ("support --debug show 1", [12, 11, 10, 1]),
        ("support show --json ", list(range(12, 0, -1))),
        ("support close ", [12, 11, 10, 9, 8, 7, 6, 4, 1]),  # emails not closed
        ("support reopen ", [3]),  # closed only
        ("support reply ", [12, 11, 10, 9, 8, 7, 6, 3, 1]),  # emails but drafts
        ("support chat --resume ", [5, 2]),  # chats
        ("support chat --topic usage --resume ", [5, 2]),
        ("support chat --wait ", [5, 2]),
        ("support wait ", [5, 2]),
        ("support email --from-chat ", [5, 2]),
        ("support email --edit ", [4]),  # drafts
        ("support delete 12 1 ", list(range(11, 1, -1))),  # not those given already
        ("support delete -- 12 ", list(range(11, 0, -1))),
        ("support show 0", []),
        ("support show 99", []),
    ],
)
def test_ids_offered_per_command(run, history, line, expected):
    assert _ids(_fish(run, line)) == expected


@pytest.mark.parametrize(
    "line",
    ["support show 12 ", "support close 3 ", "support show --raw ", "support list ", "support sh"],
)
def test_what_is_not_an_id_is_left_to_typer(history, line):
    """After its one id, at an option taking a number, or a command name: Typer answers
    as before (a command's name, or nothing: no ids)."""
    args, incomplete = completion._words("fish", _ask("fish", line))
    assert completion._wanted(args, incomplete) is None


def test_subjects_are_the_descriptions_one_clean_short_line(run, history):
    shown = dict(_fish(run, "support show "))
    assert shown["1"].startswith("결제가 두 번 됐어요. 카드") and shown["1"].endswith("…")
    assert completion.cells(shown["1"]) <= completion.DESCRIPTION_CELLS
    assert shown["2"] == "(chat, account)"  # a chat without a subject yet
    assert shown["3"] == "Refund: order 123"
    assert shown["5"] == "앱이 자꾸 꺼져요 두 번째 줄"
    assert shown["7"] == 'it\'s "$HOME" `id` \\n a:::b'
    assert shown["8"] == "[31mred[0mgnp.exe"  # no escape, no right-to-left override
    assert shown["12"] == "문의 12"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("support chat --topic ", list(topics.TOPICS)),
        ("support email --topic pa", ["payment"]),
        ("support list --channel ", ["chat", "email"]),
        ("support list --status ", [*ChatStatus, *EmailStatus]),
        ("support list --status a", ["answered"]),
        ("support history --channel chat --status ", list(ChatStatus)),
        ("support export --channel=email --status ", list(EmailStatus)),
        ("support export --format ", list(export.FORMATS)),
        ("support export -f js", ["json", "jsonl"]),
        ("support chat --topic=pa", ["--topic=payment"]),  # the word as the shell has it
        ("support reply 3 --pii ", list(config.PII_CHOICES)),
        ("support email --pii m", ["mask"]),
    ],
)
def test_option_values(run, line, expected):
    assert [value for value, _ in _fish(run, line)] == expected


def test_topics_are_described_in_the_interface_language(run):
    english = dict(_fish(run, "support chat --topic "))
    assert english["payment"].startswith("Failed payments")
    korean = run(env={**_ask("fish", "support chat --topic "), "SUPPORT_LANG": "ko"}).stdout
    assert "결제" in dict(row.split("\t") for row in korean.splitlines())["payment"]


def test_the_table_of_commands_is_the_apps():
    """completion.COMMANDS names, per command, the options that take a value and the id
    argument: read from the Typer app itself, so a new option cannot be missed."""
    import typer

    from supportcli.cli.root import app

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name, (options, kind, many) in completion.COMMANDS.items():
        params = commands[name].params
        takes_value = {
            opt
            for p in params
            if p.param_type_name == "option" and not getattr(p, "is_flag", False)
            for opt in p.opts
        }
        assert set(options) == takes_value, name
        ids = [p for p in params if p.param_type_name == "argument"]
        assert (kind is not None) == bool(ids), name
        if ids:
            assert ids[0].type.name == "int" and (ids[0].nargs == -1) == many, name
    for name, option in [("chat", "--resume"), ("email", "--from-chat"), ("email", "--edit")]:
        assert option in completion.COMMANDS[name][0]
    assert tuple(topics.TOPICS) == completion.TOPICS
    assert config.PII_CHOICES == completion.PII_MODES
    assert tuple(ChatStatus) == completion.CHAT_STATUSES
    assert tuple(EmailStatus) == completion.EMAIL_STATUSES
    assert completion.FORMATS == export.FORMATS


# ------------------------------------------------------------------ every shell's format


def test_bash_gets_ids_one_a_line(run, history):
    result = run(env=_ask("bash", "support reopen "))
    assert result.stdout == "3\n"


def test_zsh_gets_code_for_describe(run, history):
    result = run(env=_ask("zsh", "support reopen "))
    assert result.stdout == (
        "local -a _support_items; _support_items=('3:Refund\\: order 123'); "
        "_describe -V support _support_items\n"
    )


def test_fish_is_args_says_whether_there_are_any(run, history):
    yes = run(env=_ask("fish", "support reopen ", _TYPER_COMPLETE_FISH_ACTION="is-args"))
    assert (yes.returncode, yes.stdout, yes.stderr) == (0, "", "")
    none = run(env=_ask("fish", "support reopen 9", _TYPER_COMPLETE_FISH_ACTION="is-args"))
    assert (none.returncode, none.stdout, none.stderr) == (1, "", "")


@pytest.mark.parametrize("shell", ["powershell", "pwsh"])
def test_powershell_gets_value_and_tooltip(run, history, shell):
    """completions/support.ps1 splits each line at ":::" into the completion and its
    tooltip, which may not be empty."""
    lines = run(env=_ask(shell, "support show 7")).stdout.splitlines()
    assert lines == ['7:::it\'s "$HOME" `id` \\n a::b']
    assert run(env=_ask(shell, "support list --channel ")).stdout == "chat::: \nemail::: \n"
    typed = run(env=_ask(shell, "support reopen 3")).stdout.splitlines()
    assert [line.split(":::") for line in typed] == [["3", "Refund: order 123"]]


# ------------------------------------------------------------- nothing to read, or broken


def test_no_history_offers_nothing_and_creates_none(run, home):
    for shell in ("bash", "zsh", "fish", "powershell"):
        result = run(env=_ask(shell, "support show "))
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), shell
    assert not home.exists()


@pytest.mark.parametrize(
    "line", ["support show ", "support chat --topic ", "support sh", "support list --"]
)
def test_a_broken_config_or_history_prints_no_traceback(run, home, line):
    home.mkdir(mode=0o700)
    (home / "config.toml").write_text('[ui\nlanguage = "ko', encoding="utf-8")
    (home / "history.db").write_bytes(b"not a database at all" * 100)
    os.chmod(home / "history.db", 0o600)
    result = run(env=_ask("zsh", line))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "Traceback" not in result.stdout


@pytest.mark.parametrize("target", ["mysql://host/db", "sqlite:////nonexistent/history.db"])
def test_a_history_that_cannot_be_read_offers_nothing(run, target):
    result = run(env={**_ask("bash", "support show "), "SUPPORT_DB": target})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_an_old_entry_point_still_answers(history):
    """An installation whose `support` script still starts at cli.root:main."""
    env = {**os.environ, **_ask("bash", "support reopen ")}
    code = "from supportcli.cli.root import main; main()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "3\n", "")


def test_a_completion_imports_neither_typer_nor_rich(history):
    """What keeps it under 150 ms on 100,000 inquiries (docs/performance.md)."""
    env = {**os.environ, **_ask("zsh", "support show ")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "supportcli"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "_describe" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    heavy = {"typer", "rich", "sqlmodel", "sqlalchemy", "psycopg", "supportcli.cli", "tomllib"}
    assert not heavy & imported
    assert "supportcli.store.recent" in imported and "supportcli.store.db" not in imported


def test_ids_on_either_engine(run, engine, history):
    """PostgreSQL through the store's connection; SQLite read-only, directly."""
    assert _ids(_fish(run, "support reopen ")) == [3]
    assert _ids(_fish(run, "support chat --resume ")) == [5, 2]
    assert _ids(_fish(run, "support show 1")) == [12, 11, 10, 1]


# ------------------------------------------------------------------------ real shells


def _shell_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home.parent),
    }


def test_bash_completes_through_the_shipped_script(history, home):
    script = (
        f"source {FOLDER / 'support.bash'}\n"
        'COMP_WORDS=(support close ""); COMP_CWORD=2; _support_completion support\n'
        'echo "close: ${COMPREPLY[*]}"\n'
        'COMP_WORDS=(support chat --resume ""); COMP_CWORD=3; _support_completion support\n'
        'echo "resume: ${COMPREPLY[*]}"\n'
        'COMP_WORDS=(support chat --topic = ""); COMP_CWORD=4; _support_completion support\n'
        'echo "topic=: ${COMPREPLY[*]}"\n'
        "COMP_WORDS=(support sh); COMP_CWORD=1; _support_completion support\n"
        'echo "sh: ${COMPREPLY[*]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=_shell_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        "close: 12 11 10 9 8 7 6 4 1",
        "resume: 5 2",
        "topic=: account payment usage other",
        "sh: show",
    ]


def test_fish_completes_through_the_shipped_script(history, home):
    require(None if shutil.which("fish") else "fish is not installed (apt-get install fish)")
    script = (
        f"source {FOLDER / 'support.fish'}\n"
        "complete -C 'support reopen '; echo ---\n"
        "complete -C 'support chat --resume '; echo ---\n"
        "complete -C 'support list --status u'\n"
    )
    done = subprocess.run(
        ["fish", "--no-config", "-c", script],
        env=_shell_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stderr == ""
    reopen, resume, status = done.stdout.split("---\n")
    assert reopen == "3\tRefund: order 123\n"
    assert resume.splitlines() == ["2\t(chat, account)", "5\t앱이 자꾸 꺼져요 두 번째 줄"]
    assert status == "unresolved\n"


def test_zsh_lists_ids_with_subjects(history, home):
    """zsh at a terminal (a pty): TAB lists the ids with their subjects, newest first."""
    require(None if shutil.which("zsh") else "zsh is not installed (apt-get install zsh)")
    import pexpect

    dotdir = home.parent / "zdotdir"
    dotdir.mkdir()
    (dotdir / ".zshrc").write_text(
        f"autoload -U compinit && compinit -u -D\nsource {FOLDER / '_support'}\nPROMPT='%% '\n",
        encoding="utf-8",
    )
    env = {**_shell_env(home), "ZDOTDIR": str(dotdir), "TERM": "dumb"}
    shell = pexpect.spawn(
        "zsh", ["-d", "-i"], env=env, encoding="utf-8", timeout=30, dimensions=(40, 200)
    )
    try:
        shell.expect_exact("% ")
        shell.send("support show \t")
        shell.expect(r"\n1 +-- 결제가 두 번 됐어요\.")  # the oldest, listed last
        listing = shell.before + shell.after
        rows = re.findall(r"^(\d+) +-- (.*?) *$", listing.replace("\r", ""), re.MULTILINE)
        assert [int(i) for i, _ in rows] == list(range(12, 0, -1))
        assert dict(rows)["7"] == 'it\'s "$HOME" `id` \\n a:::b'
        assert dict(rows)["3"] == "Refund: order 123"
        shell.send("\x03")  # Ctrl-C: a new line
        shell.expect_exact("% ")
        shell.send("support reopen \t")
        shell.expect_exact("support reopen 3 ")  # the only one: inserted
    finally:
        shell.close(force=True)
