"""The shipped completion scripts are the ones the app generates today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent.parent / "completions"


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
