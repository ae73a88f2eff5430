"""The program itself: version, help with examples, the light start, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_one_line_error

from supportcli import __version__

COMMANDS = [
    ["list"],
    ["history"],
    ["show"],
    ["export"],
    ["delete"],
    ["login"],
    ["logout"],
    ["topics"],
    ["config"],
    ["config", "path"],
    ["config", "show"],
    ["config", "set"],
    ["config", "password"],
    ["chat"],
    ["email"],
    ["reply"],
    ["sync"],
    ["close"],
    ["reopen"],
    ["kb"],
    ["kb", "search"],
    ["kb", "show"],
    ["outbox"],
    ["outbox", "send"],
    ["setup"],
    ["doctor"],
]


def test_version(run):
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"support {__version__}"


def test_python_m_is_the_same_program():
    script = Path(sys.executable).parent / "support"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert done.stdout.strip() == f"support {__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(run, command):
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Example" in result.stdout


def test_help_is_light():
    """--help must not pay for the ORM, pydantic, mail or prompt libraries."""
    script = (
        "import sys\nfrom supportcli.cli.root import run\nrun(['--help'])\n"
        "heavy = ('sqlmodel', 'sqlalchemy', 'pydantic', 'yagmail', 'questionary', "
        "'keyring', 'email_validator', 'textual')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_list_is_light(home):
    script = (
        "import sys\nfrom supportcli.cli.root import run\nrun(['list'])\n"
        "heavy = ('sqlmodel', 'sqlalchemy', 'pydantic', 'yagmail', 'questionary', 'keyring', "
        "'textual')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_usage_error_exits_2(run):
    result = run("list", "--limit", "many")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_unknown_inquiry_is_one_line(run):
    assert_one_line_error(run("show", "999"), 1)


def test_debug_shows_the_traceback(run):
    result = run("--debug", "show", "999")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    result = run("show", "999", env={"SUPPORT_DEBUG": "1"})
    assert "Traceback" in result.stderr
