"""Disk and file faults: a full disk, a read-only data folder, a stored attachment deleted
behind our back. One clear line, the history intact, and what the customer typed kept
somewhere they are told about."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
import seed
from conftest import assert_one_line_error
from mailtest import smtp_env
from smtpserver import SmtpServer

ME = {
    "SUPPORT_USER_NAME": "Kim",
    "SUPPORT_USER_EMAIL": "kim@example.com",
    "SUPPORT_DESK_EMAIL": "help@example.com",
}


def _mount(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        if os.geteuid() == 0 and os.environ.get("SUPPORT_REQUIRE_SERVERS") == "1":
            pytest.fail(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        pytest.skip(f"mounting a small filesystem needs root: {done.stderr.strip()}")


@pytest.fixture
def small_home(tmp_path, monkeypatch):
    """SUPPORT_HOME on a 2 MB filesystem of its own."""
    home = tmp_path / "small"
    _mount(home, "size=2m,mode=0700")
    monkeypatch.setenv("SUPPORT_HOME", str(home))
    yield home
    subprocess.run(["umount", "-l", str(home)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill the filesystem until only about `leave` bytes are free."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    (folder / "filler").write_bytes(b"\0" * max(free - leave, 0))


def _rescued(stderr: str) -> str:
    found = re.search(r"kept in (\S+\.txt)", stderr)
    assert found, stderr
    return Path(found.group(1)).read_text(encoding="utf-8")


def test_full_disk_chat_keeps_the_message_elsewhere(run, small_home):
    run("chat", input="first message\n", env=ME, check=True)
    _fill(small_home, 150_000)  # room to start, not to keep a 400 KB message
    big = "결제 오류 내용 " * 20_000
    result = run("chat", input=big + "\n", env=ME)
    assert_one_line_error(result, 1)
    assert "full" in result.stderr
    assert _rescued(result.stderr) == big
    (small_home / "filler").unlink()
    db = sqlite3.connect(small_home / "history.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    bodies = [row[0] for row in db.execute("SELECT body FROM message")]
    assert "first message" in bodies and big not in bodies


def test_full_disk_draft_is_one_clear_line_and_nothing_half_written(run, small_home, tmp_path):
    run("list", check=True)
    _fill(small_home, 30_000)
    attachment = tmp_path / "big.bin"
    attachment.write_bytes(os.urandom(200_000))
    result = run(
        "email", "--subject", "s", "--body", "b", "--attach", str(attachment), "--draft", env=ME
    )
    assert_one_line_error(result, 1)
    assert "space" in result.stderr.lower() or "full" in result.stderr.lower()
    (small_home / "filler").unlink()
    assert json.loads(run("list", "--json").stdout) == []
    assert not [p for p in (small_home / "attachments").rglob("*") if p.is_file()]


def test_read_only_data_folder(run, small_home):
    run("chat", input="hello\n", env=ME, check=True)
    subprocess.run(["mount", "-o", "remount,ro", str(small_home)], check=True)
    listed = run("list", "--json")
    if listed.returncode == 0:
        assert len(json.loads(listed.stdout)) == 1
    else:
        assert_one_line_error(listed, 1)
    result = run("chat", input="이 메시지는 저장될 수 없어요\n", env=ME)
    assert_one_line_error(result, 1)
    assert "read-only" in result.stderr
    result = run("email", "--subject", "s", "--body", "b", "--draft", env=ME)
    assert_one_line_error(result, 1)


def test_attachment_deleted_behind_our_back(run, tmp_path):
    with SmtpServer(mode="ssl", behaviour="451") as down:
        source = tmp_path / "증빙.pdf"
        source.write_bytes(b"%PDF proof")
        run("email", "--subject", "s", "--body", "b", "--attach", str(source), env=smtp_env(down))
    (record,) = json.loads(run("export").stdout)
    sha = record["attachments"][0]["sha256"]
    copy = Path(os.environ["SUPPORT_HOME"]) / "attachments" / sha[:2] / sha
    copy.unlink()
    with SmtpServer(mode="ssl") as up:
        result = run("outbox", "send", env=smtp_env(up))
        assert result.returncode == 1
        assert "증빙.pdf" in result.stderr and "missing" in result.stderr
        assert "Traceback" not in result.stderr
        assert up.messages == []
    (record,) = json.loads(run("export").stdout)
    assert record["status"] == "failed" and "missing" in record["email"]["last_error"]
    assert run("show", str(record["id"])).returncode == 0


def test_garbage_history_leaves_the_file_alone(run, db, home):
    seed.chat(db, "usage", [("customer", "x")])
    db.close()
    history = home / "history.db"
    for name in ("history.db-wal", "history.db-shm"):
        (home / name).unlink(missing_ok=True)
    history.write_bytes(os.urandom(10_000))
    before = history.read_bytes()
    assert_one_line_error(run("chat", input="hi\n", env=ME), 1)
    assert history.read_bytes() == before
