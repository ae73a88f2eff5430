"""`support history` as a command: without a terminal, or with an output flag, exactly
`support list`'s output, Textual never imported; at a real terminal (pexpect, pyte) the
browser opens, searches in Korean, opens an inquiry and quits with 0."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

import pexpect
import pytest
import seed
from screen import Terminal

from supportcli.store.db import connect


@pytest.fixture
def korean_history(home):
    db = connect()
    ids = [
        seed.chat(
            db,
            "payment",
            [("customer", "결제가 두 번 됐어요"), ("agent", "환불해 드릴게요")],
            subject="중복 결제 환불",
        ),
        seed.email(db, "account", "비밀번호 재설정", "비밀번호를 잊었어요"),
        seed.email(db, "usage", "Sync stopped", "my invoice sync stopped", status="draft"),
    ]
    for n in range(30):
        seed.email(db, "other", f"문의 {n}", "본문입니다", status="draft")
    return ids


@pytest.mark.parametrize(
    "flags",
    [
        (),
        ("--json",),
        ("-n", "2"),
        ("-q", "환불"),
        ("--channel", "email", "--status", "draft"),
        ("-n", "0", "--topic", "account"),
    ],
    ids=" ".join,
)
def test_piped_history_prints_exactly_what_list_prints(run, korean_history, flags):
    listed = run("list", *flags)
    browsed = run("history", *flags)
    assert listed.returncode == browsed.returncode == 0, browsed.stderr
    assert browsed.stdout == listed.stdout and browsed.stderr == listed.stderr
    assert browsed.stdout.strip()


def test_piped_history_of_an_empty_history_says_so_as_list_does(run):
    assert run("history").stderr == run("list").stderr


def test_piped_history_never_imports_textual(korean_history):
    script = (
        "import sys\nfrom supportcli.cli.root import run\nrun(['history'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert "문의 29" in done.stdout  # the table, as `list` prints it


def test_a_bad_filter_is_one_line_before_anything_opens(run):
    result = run("history", "--channel", "fax")
    assert result.returncode == 2 and "--channel" in result.stderr


@pytest.mark.parametrize("size", [(24, 80), (20, 60)], ids=["80x24", "60x20"])
def test_history_at_a_real_terminal_searches_in_korean_opens_and_quits(
    korean_history, home, size, monkeypatch
):
    rows, cols = size
    # The terminal's size also in COLUMNS and LINES, which Textual reads first (the suite
    # sets COLUMNS=120; and under xdist the browser was seen drawing 80 columns in a
    # 60-column pty without them).
    monkeypatch.setenv("COLUMNS", str(cols))
    monkeypatch.setenv("LINES", str(rows))
    chat, email, _draft = korean_history
    screen = Terminal(
        "history",
        rows=rows,
        cols=cols,
        env={"SUPPORT_HOME": str(home), "TERM": "xterm-256color", "LANG": "ko_KR.UTF-8"},
    )
    first = settle(screen, "문의 29")
    assert any("상태" in row for row in first)  # the header, in Korean
    assert all(len(row) <= cols for row in first)
    screen.child.send("/")
    settle(screen, "제목이나 메시지의 낱말")  # the search box, empty
    for syllable in "환불":
        screen.child.send(syllable)
    shown = settle(screen, "중복 결제 환불", gone="문의 29")  # the one found, alone
    assert not any("비밀번호 재설정" in row for row in shown)
    screen.child.send("\r")  # back to the list: its keys return to the footer
    settle(screen, "c 채널")
    screen.child.send("\r")  # open the one found
    opened = settle(screen, "결제가 두 번 됐어요")
    assert any(f"#{chat}" in row for row in opened)
    screen.child.send("q")
    screen.child.expect(pexpect.EOF)
    screen.child.close()
    assert screen.child.exitstatus == 0


def settle(screen: Terminal, text: str, seconds: float = 30, gone: str = "") -> list[str]:
    """screen.settle with a deadline: the browser keeps drawing (a blinking cursor), so
    the terminal is never quiet long enough for pexpect's own timeout. `gone`: and no
    row holds this any more."""
    deadline = time.monotonic() + seconds

    def drawn() -> bool:
        rows = screen.rows()
        return any(text in row for row in rows) and not (gone and any(gone in r for r in rows))

    while not drawn():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never drawn:\n" + "\n".join(screen.rows()))
        with contextlib.suppress(pexpect.TIMEOUT):
            screen.stream.feed(screen.child.read_nonblocking(65536, timeout=0.2))
    return screen.rows()
