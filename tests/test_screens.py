"""What people read, at the widths terminals have: `list` and `topics` at 60, 80 and 120
columns with Korean text (through a pseudo-terminal for one size), and `show`'s
conversation: people's text as written, each attachment under its own message."""

from __future__ import annotations

import os
import re
import sys

import pexpect
import pytest
import seed
from rich.cells import cell_len

SUBJECT = "지난달 결제 금액이 두 번 청구되었어요 환불 부탁드립니다"


@pytest.fixture
def korean_history(db):
    seed.email(db, "payment", SUBJECT, "본문")
    seed.chat(
        db,
        "account",
        [("customer", "비밀번호를 잊어버렸어요"), ("agent", "안내")],
        subject="비밀번호를 잊어버렸어요",
        status="unresolved",
    )
    seed.email(db, "usage", "앱이 실행되자마자 꺼지는 문제가 계속됩니다", "본문", status="answered")
    db.commit()


# Which optional columns each width shows; ID, Status, Last word and Subject always.
LAYOUTS = {
    60: (),
    80: ("Topic",),
    120: ("Topic", "Created", "Channel"),
}


@pytest.mark.parametrize("width", sorted(LAYOUTS))
def test_list_keeps_id_status_last_word_and_subject_at_every_width(run, korean_history, width):
    result = run("list", env={"COLUMNS": str(width)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(cell_len(line) <= width for line in lines), lines
    header = lines[0].split()
    for column in ("ID", "Status", "Last", "word", "Subject", *LAYOUTS[width]):
        assert column in header, (width, lines[0])
    for column in {"Topic", "Created", "Channel"} - set(LAYOUTS[width]):
        assert column not in header, (width, lines[0])
    assert "unresolved" in result.stdout and "agent, just now" in result.stdout
    # As much subject as fits: 14 characters at 60 columns, 18 at 80 (it was 9 to 12).
    assert SUBJECT[: {60: 14, 80: 18, 120: 26}[width]] in result.stdout, lines
    if width == 120:
        assert "앱이 실행되자마자 꺼지는 문제가 계속됩니다" in result.stdout


@pytest.mark.parametrize("width", sorted(LAYOUTS))
def test_topics_never_cut_a_korean_word(run, width):
    result = run("topics", env={"COLUMNS": str(width)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(cell_len(line) <= width for line in lines), lines
    assert "…" not in result.stdout
    assert "결제" in result.stdout
    for word in ("(결제", "해지)", "(로그인,", "(서비스"):
        assert word in result.stdout.split(), (word, lines)


def test_list_in_a_real_80_column_terminal(korean_history, monkeypatch):
    monkeypatch.delenv("COLUMNS")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", "list"],
        env=dict(os.environ),
        encoding="utf-8",
        timeout=20,
        dimensions=(24, 80),
    )
    child.expect(pexpect.EOF)
    screen = re.sub(r"\x1b\[[0-9;]*m", "", child.before.replace("\r\n", "\n"))
    header = screen.splitlines()[0].split()
    assert header == ["ID", "Topic", "Status", "Last", "word", "Subject"], screen
    assert SUBJECT[:18] in screen
    assert all(cell_len(line) <= 80 for line in screen.splitlines())
