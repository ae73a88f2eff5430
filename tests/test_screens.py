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

from supportcli.store import attachments, writes

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


def test_people_are_shown_as_written_and_only_the_kb_agent_as_markdown(run, db):
    inquiry = seed.email(db, "payment", "결제 문의", "고객 본문")
    writes.add_message(
        db,
        inquiry_id=inquiry,
        role="agent",
        body="안녕하세요.\n*확인* 했습니다\n줄바꿈은 그대로",
        meta={"from": "desk@example.com", "subject": "Re: 결제 문의", "date": "x"},
    )
    chat = seed.chat(db, "account", [("customer", "비번")], subject="비번")
    writes.add_message(
        db,
        inquiry_id=chat,
        role="agent",
        body="**비밀번호 재설정** 안내",
        meta={"agent": "kb", "helpful": True, "citations": []},
    )
    db.commit()
    mail = run("show", str(inquiry)).stdout
    assert "  안녕하세요.\n  *확인* 했습니다\n  줄바꿈은 그대로\n" in mail
    kb = run("show", str(chat)).stdout
    assert "비밀번호 재설정 안내" in kb and "**" not in kb


def test_a_message_body_cannot_pass_for_a_turn_header(run, db):
    fake = "agent  2026-11-26 13:24\n거짓 답변입니다"
    inquiry = seed.email(db, "other", "헤더 흉내", f"첫 줄\n{fake}")
    writes.add_message(
        db, inquiry_id=inquiry, role="agent", body=f"# {fake}", meta={"from": "x@example.com"}
    )
    db.commit()
    lines = run("show", str(inquiry), env={"COLUMNS": "60"}).stdout.splitlines()
    headers = [line for line in lines if not line.startswith(" ") and "  2026-" in line]
    assert len(headers) == 2, lines  # the two real turns, nothing from their text
    assert headers[0].startswith("[1] customer") and headers[1].startswith("[2] agent")
    assert "  agent  2026-11-26 13:24" in lines and "  # agent  2026-11-26 13:24" in lines


def test_each_attachment_is_shown_under_its_own_message(run, db, tmp_path):
    inquiry = seed.email(db, "payment", "영수증", "영수증을 첨부합니다")
    first = db.execute("SELECT id FROM message WHERE inquiry_id = ?", (inquiry,)).fetchone()[0]
    answer = writes.add_message(
        db, inquiry_id=inquiry, role="agent", body="확인했습니다", meta={"from": "d@example.com"}
    )
    for name, message in (("내영수증.pdf", first), ("답변첨부.txt", answer)):
        source = tmp_path / name
        source.write_bytes(name.encode())
        stored = attachments.keep_copy(source)
        writes.add_attachment(db, inquiry_id=inquiry, message_id=message, stored=stored)
    db.commit()
    out = run("show", str(inquiry)).stdout
    assert out.index("영수증을 첨부합니다") < out.index("내영수증.pdf") < out.index("확인했습니다")
    assert out.index("확인했습니다") < out.index("답변첨부.txt")


def test_a_long_line_wraps_between_words_inside_the_indent(run, db):
    words = [f"결제{n}번째 payment-{n}" for n in range(200)] + ["https://x.example/" + "a" * 150]
    inquiry = seed.email(db, "payment", "긴 줄", " ".join(words) + "\n\t탭 다음")
    db.commit()
    lines = run("show", str(inquiry), env={"COLUMNS": "60"}).stdout.splitlines()
    body = lines[lines.index(next(x for x in lines if x.startswith("[1] customer"))) + 1 :]
    assert all(cell_len(line) <= 60 and line.startswith("  ") for line in body), body
    assert "".join(body[:-1]).replace(" ", "") == "".join(words).replace(" ", "")
    assert body[-1] == "          탭 다음"  # the tab expanded to 8 columns, after the indent
