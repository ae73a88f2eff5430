"""The reliability scripts, small enough for every run (the full figures come from running
them as docs/reliability.md says)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str, *args: str, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "reliability" / name), *args, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())


def _db_args(engine: str) -> list[str]:
    """The PostgreSQL variant runs against the fresh database the `engine` fixture made."""
    return ["--db", os.environ["SUPPORT_DB"]] if engine == "postgresql" else []


def test_kill_9_at_random_moments_loses_nothing(engine, tmp_path):
    figures = _script(
        "kill9.py", "--runs", "12", "--seed", "3", *_db_args(engine), tmp_path=tmp_path
    )
    assert figures["messages_confirmed"] > 0
    assert figures["messages_lost"] == 0 and figures["emails_lost"] == 0
    assert figures["half_written"] == 0 and figures["integrity_failures"] == 0


def test_four_writers_and_a_reader_at_once(engine, tmp_path):
    figures = _script("concurrency.py", "--writes", "30", *_db_args(engine), tmp_path=tmp_path)
    assert figures["database_is_locked"] == 0 and figures["other_errors"] == 0
    assert figures["lost_writes"] == 0 and figures["integrity"] is True
    assert figures["writes"] >= 90
