"""support is tested on Linux and type-checked for Windows and macOS: mypy, told the
platform, knows which names the standard library lacks there (os.getuid, os.uname,
signal.SIGHUP on Windows), so a platform difference outside supportcli/system.py fails
here instead of crashing a customer's first run.

Every platform's run must be clean: no error at all, on Linux as on the other two. Each
platform keeps its own mypy
cache (the options differ, so a shared one would be rebuilt every time): about 25 s cold on
2 cores, 3 s warm."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

from supportcli import system

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ("linux", "win32", "darwin")


def _start(platform: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "mypy", "--platform", platform]
    command += ["--cache-dir", str(ROOT / ".mypy_cache" / f"platform-{platform}"), "supportcli"]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _errors(platform: str, run: subprocess.Popen[str]) -> set[str]:
    out, err = run.communicate(timeout=600)
    # 0: clean, 1: errors found; anything else (2) means mypy itself could not run.
    assert run.returncode in (0, 1), f"mypy --platform {platform} failed:\n{out}{err}"
    assert "source file" in out, f"mypy --platform {platform} checked nothing:\n{out}"
    return {line for line in out.splitlines() if ": error:" in line}


def test_mypy_is_clean_on_linux_windows_and_macos() -> None:
    runs = {platform: _start(platform) for platform in PLATFORMS}  # in parallel
    errors = {platform: _errors(platform, run) for platform, run in runs.items()}
    for platform in PLATFORMS:
        assert not errors[platform], f"on {platform}:\n" + "\n".join(sorted(errors[platform]))


def test_tighten_closes_our_open_folder_and_file(tmp_path: Path) -> None:
    folder, file = tmp_path / "data", tmp_path / "history.db"
    folder.mkdir(mode=0o755)
    file.write_bytes(b"x")
    file.chmod(0o644)
    system.tighten(folder, 0o700)
    system.tighten(file, 0o600)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_on_windows_the_profile_keeps_files_private(tmp_path: Path, monkeypatch) -> None:
    file = tmp_path / "history.db"
    file.write_bytes(b"x")
    file.chmod(0o644)
    monkeypatch.setattr(sys, "platform", "win32")
    system.tighten(file, 0o600)  # no owner id in a Windows stat: nothing to compare
    assert stat.S_IMODE(file.stat().st_mode) == 0o644
    assert system.stop_signals() == (signal.SIGTERM,)  # Windows has no SIGHUP


def test_linux_stops_on_term_and_hup_and_names_itself_as_before() -> None:
    assert system.stop_signals() == (signal.SIGTERM, signal.SIGHUP)
    assert system.hostname() == os.uname().nodename
    assert system.O_BINARY == 0
