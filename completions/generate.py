"""Write the shell completion scripts in this folder from the app itself.

Run after changing commands: python completions/generate.py
(tests/test_completions.py fails while the files here are stale)."""

from __future__ import annotations

from pathlib import Path

SHELLS = {
    "bash": "support.bash",
    "zsh": "_support",
    "fish": "support.fish",
    "powershell": "support.ps1",
}


def scripts() -> dict[str, str]:
    from typer.completion import get_completion_script

    return {
        name: get_completion_script(
            prog_name="support", complete_var="_SUPPORT_COMPLETE", shell=shell
        )
        + "\n"
        for shell, name in SHELLS.items()
    }


if __name__ == "__main__":
    here = Path(__file__).parent
    for name, text in scripts().items():
        (here / name).write_text(text, encoding="utf-8")
        print(f"wrote {here / name}")
