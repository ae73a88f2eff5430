"""Issue 14's "also seen": what a customer's first session ran into on the reading side:
times in files people read, CSV for Excel, a closed pipe, reopen's wording, `kb show`'s
headings, and the chat's small talk and related articles."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import seed
from conftest import assert_one_line_error

SEOUL = {"TZ": "Asia/Seoul"}
ME = {
    "SUPPORT_USER_NAME": "김민수",
    "SUPPORT_USER_EMAIL": "minsu@example.com",
    "SUPPORT_DESK_EMAIL": "help@example.com",
}


@pytest.fixture
def inquiry(db):
    found = seed.email(db, "payment", "결제 문의", "=1+1 결제가 두 번 됐어요")
    db.commit()
    return found


def seoul_minutes(stamp: str) -> str:
    return f"{datetime.fromisoformat(stamp).astimezone(ZoneInfo('Asia/Seoul')):%Y-%m-%d %H:%M}"


def test_markdown_export_is_in_local_time_to_the_minute(run, inquiry):
    record = json.loads(run("show", str(inquiry), "--json", check=True).stdout)
    text = run("export", "--format", "markdown", env=SEOUL, check=True).stdout
    assert f"- Created: {seoul_minutes(record['created_at'])} +09:00" in text
    stamp = seoul_minutes(record["messages"][0]["created_at"])
    assert f"## customer · {stamp} +09:00" in text
    assert record["created_at"] not in text and not re.search(r"\d\d:\d\d:\d\d\.\d", text)


def test_machine_formats_keep_iso_8601_with_offset(run, inquiry):
    record = json.loads(run("show", str(inquiry), "--json", env=SEOUL, check=True).stdout)
    assert record["created_at"].endswith("+00:00")
    rows = list(csv.DictReader(io.StringIO(run("export", "-f", "csv", env=SEOUL).stdout)))
    assert rows[0]["inquiry_created_at"] == record["created_at"]
    assert rows[0]["message_created_at"] == record["messages"][0]["created_at"]


def test_save_in_a_chat_writes_local_times(run, tmp_path):
    target = tmp_path / "기록.md"
    lines = ["결제가 계속 실패해요", f"/save {target}"]
    result = run("chat", input="".join(f"{line}\n" for line in lines), env={**ME, **SEOUL})
    assert result.returncode == 0, result.stderr
    chat_id = result.stderr.strip().splitlines()[-1].split()[1]
    record = json.loads(run("show", chat_id, "--json", check=True).stdout)
    text = target.read_text(encoding="utf-8")
    assert f"## customer · {seoul_minutes(record['messages'][0]['created_at'])} +09:00" in text
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text)


def test_excel_csv_has_a_byte_order_mark_and_crlf(run, inquiry, tmp_path):
    target = tmp_path / "문의.csv"
    run("export", "--excel", "-o", str(target), check=True)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfinquiry_id,")
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0]["subject"] == "결제 문의"
    assert rows[0]["message_body"] == "'=1+1 결제가 두 번 됐어요"  # still spreadsheet-safe
    assert not run("export", "-f", "csv").stdout.startswith("\ufeff")  # only when asked
    assert_one_line_error(run("export", "--excel", "--format", "json"), 2)


def test_excel_is_completed_by_the_shell(run):
    result = run(
        env={
            "_SUPPORT_COMPLETE": "complete_bash",
            "COMP_WORDS": "support export --ex",
            "COMP_CWORD": "2",
        }
    )
    assert "--excel" in result.stdout.split()


@pytest.mark.parametrize("args", [("show", "1"), ("export",), ("export", "-f", "csv")])
def test_a_closed_pipe_ends_every_command_quietly_with_0(db, args):
    """`support show 1 | head -1`: rich and typer both answered a closed pipe with exit 1."""
    seed.email(db, "other", "긴 본문", "한 줄\n" * 100_000)  # more than a pipe holds
    db.commit()
    child = subprocess.Popen(
        [sys.executable, "-m", "supportcli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline()
    child.stdout.close()  # as `head -1` does
    error = child.stderr.read()
    assert child.wait(timeout=60) == 0, error
    assert error == b""


def test_reopen_of_an_unanswered_inquiry_does_not_sound_like_a_resend(run, inquiry):
    run("close", str(inquiry), check=True)
    result = run("reopen", str(inquiry), check=True)
    assert "is sent again" not in result.stderr
    assert f"Inquiry #{inquiry} is reopened (status sent:" in result.stderr
    assert "nothing was sent again" in result.stderr


def test_kb_show_keeps_every_heading_on_its_own_line(run):
    result = run("kb", "show", "account-login-problems-ko", env={"COLUMNS": "80"}, check=True)
    lines = [line.strip() for line in result.stdout.splitlines()]
    for heading in ("먼저 확인해 주세요", "앱 초기화하기", "그래도 로그인이 안 된다면"):
        assert heading in lines, (heading, lines)


def test_thanks_in_a_chat_gets_a_reply_in_kind_not_an_apology(run):
    lines = ["결제가 두 번 됐어요", "감사합니다"]
    result = run("chat", input="".join(f"{line}\n" for line in lines), env=ME)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().split("\n\n")[-1]
    assert "다행이에요" in last and "죄송" not in last
