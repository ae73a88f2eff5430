"""The benchmark harness keeps working (a smoke run; the real figures are in
docs/performance.md, never in a timed test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke_run(tmp_path):
    out = tmp_path / "perf.md"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--smoke",
            "--no-peer",
            # One timed run per target on 300 inquiries: this proves the harness works, not
            # the figures.
            *("--runs", "1", "--warmup", "0", "--inquiries", "300"),
            "--db",
            str(tmp_path / "smoke.db"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    for target in (
        "support list",
        "--search 환불",
        "--help",
        "support show",
        "in Korean vs English",
        "export",
        "commit latency",
        "outbox send",
        "floor: `support list` vs `support --help`",  # paired even without the peer
        "completion, zsh: `support show <TAB>`",
        "`support history` (the browser): first screen at 80x24",
        "each keystroke's search results",
    ):
        assert target in table, target


def test_postgres_benchmark_smoke_run(tmp_path):
    from pgserver import require_postgres

    require_postgres()
    out = tmp_path / "perf-postgres.md"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "postgres.py"),
            *("--inquiries", "40", "--messages", "200", "--runs", "1", "--warmup", "0"),
            *("--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    assert table.count("× |") == 7, table
    assert "pg-p" not in table and "pg-p" not in done.stdout  # no password in the report
