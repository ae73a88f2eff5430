"""The email composer in a real pseudo-terminal: details, attachment, review, edit, send;
and Ctrl-C or a closed terminal keeping what was typed as a draft."""

from __future__ import annotations

import hashlib
import json

import pexpect
import pytest
from mailtest import smtp_env, spawn_support, text_part
from screen import Terminal
from smtpserver import SmtpServer
from wcwidth import wcswidth

from supportcli import __version__

DOWN = "\x1b[B"
DONE = "\x1b\r"  # Esc, Enter ends a multi-line answer
DETAILS = ("What happened", "Exact error", "already tried", "Environment")


def answer(child, text=""):
    """Type a multi-line answer once its prompt is drawn: the question is printed before
    prompt_toolkit takes the terminal, and keys typed before that would go through the
    terminal's line discipline (Enter would arrive as a newline)."""
    child.expect("›")
    child.send(text + DONE)


@pytest.fixture
def srv():
    with SmtpServer(mode="ssl") as server:
        yield server


spawn = spawn_support


def fill_until_tried(child):
    child.expect("Topic")
    child.send(DOWN)  # other -> account (the list wraps)
    child.sendline("")
    child.expect("Subject")
    child.sendline("결제 오류 문의")
    child.expect("What happened")
    answer(child, "어제 결제를 했는데\n두 번 빠졌어요")
    child.expect("Exact error")
    answer(child, "E-402 결제 실패")
    child.expect("already tried")


def test_compose_review_edit_and_send(srv, run, tmp_path):
    log = tmp_path / "오류 로그.txt"
    log.write_text("E-402 at 12:00\n", encoding="utf-8")
    child = spawn(srv)
    fill_until_tried(child)
    answer(child, "앱 재시작")
    child.expect("Environment")
    answer(child, "iPhone 15, iOS 18")
    child.expect("File to attach")
    child.sendline(str(tmp_path / "missing.pdf"))
    child.expect("does not exist")  # checked as it is added
    child.send("\x15")  # clear the line
    child.sendline(str(log))
    child.expect("File to attach")
    child.sendline("")
    child.expect("Review")
    child.expect("오류 로그.txt")
    child.expect("What now")
    child.send(DOWN)  # send -> edit a part
    child.sendline("")
    child.expect("Edit which part")
    child.sendline("")  # subject
    # The list just shown names "Subject" too: wait for the text prompt's old subject, or
    # the Ctrl-U may reach the list instead (seen under load).
    child.expect("Subject")
    child.expect("결제 오류 문의")
    child.send("\x15중복 결제 문의\r")
    child.expect("What now")
    child.sendline("")  # send
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    (got,) = srv.wait_for(1)
    assert got.message["Subject"] == "중복 결제 문의"
    body = text_part(got.message)
    assert "[무슨 일이 있었나요]\n어제 결제를 했는데\n두 번 빠졌어요" in body
    assert "[오류 메시지]\nE-402 결제 실패" in body and "iPhone 15, iOS 18" in body
    assert [p.get_filename() for p in got.message.iter_attachments()] == ["오류 로그.txt"]
    (record,) = json.loads(run("export").stdout)
    assert record["status"] == "sent" and record["topic"] == "account"
    assert record["messages"][0]["body"] == body


@pytest.mark.parametrize(("how", "code"), [("ctrl-c", 130), ("sigterm", 143), ("sighup", 129)])
def test_interrupted_composer_keeps_a_draft_and_edit_reopens_it(srv, run, how, code):
    child = spawn(srv)
    fill_until_tried(child)
    child.send("반쯤 쓴 내용")
    child.expect("반쯤 쓴 내용")  # drawn: read by the prompt before the signal comes
    if how == "ctrl-c":
        child.sendintr()
    else:
        child.kill(15 if how == "sigterm" else 1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == code
    assert "Traceback" not in child.before
    assert "support email --edit 1" in child.before
    (draft,) = json.loads(run("export").stdout)
    assert draft["status"] == "draft" and draft["subject"] == "결제 오류 문의"
    assert "두 번 빠졌어요" in draft["messages"][0]["body"]
    # The field being typed when it stopped is kept too.
    assert "[이미 해 본 것]\n반쯤 쓴 내용" in draft["messages"][0]["body"]
    assert srv.connections == 0

    child = spawn(srv, "--edit", "1")
    child.expect("Review")
    child.expect("E-402")
    child.expect("What now")
    child.sendline("")  # send
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    (got,) = srv.wait_for(1)
    assert "E-402 결제 실패" in text_part(got.message)
    (sent,) = json.loads(run("export").stdout)
    assert sent["id"] == 1 and sent["status"] == "sent"
    assert sent["email"]["message_id"] == got.message["Message-ID"]


def test_chat_email_asks_what_is_still_wrong_and_carries_the_facts(srv, run, tmp_path):
    shot = tmp_path / "화면.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    child = spawn(srv, "--topic", "usage", command="chat")
    child.expect("you ›")
    child.sendline("앱이 계속 꺼져요")
    child.expect("usage-app-crash")
    child.expect("you ›")
    child.sendline("/email")
    # The chat answered the topic and the subject: the form goes on from what is wrong.
    child.expect("What is still wrong")
    answer(child, "업데이트해도 계속 꺼져요")
    for question, text in (
        ("Exact error", ""),
        ("already tried", "재설치"),
        ("Environment", "Galaxy S24, Android 15"),
    ):
        child.expect(question)
        answer(child, text)
    child.expect("File to attach")
    child.sendline(str(shot))
    child.expect("File to attach")
    child.sendline("")
    child.expect("What now")
    child.sendline("")  # send
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    (got,) = srv.wait_for(1)
    chat, email = sorted(json.loads(run("export").stdout), key=lambda r: r["id"])
    assert chat["status"] == "escalated" and email["status"] == "sent"
    (cited,) = chat["messages"][1]["meta"]["citations"]

    body = text_part(got.message)  # for a person: their words, then a short transcript
    assert body.startswith("[아직 해결되지 않은 점]\n업데이트해도 계속 꺼져요\n")
    assert "고객 · Customer: 앱이 계속 꺼져요\n" in body
    assert f"  - {cited['title']} <{cited['link']}>\n" in body
    assert chat["messages"][1]["body"] not in body and len(body.splitlines()) < 20

    parts = {p.get_filename(): p for p in got.message.iter_attachments()}
    assert list(parts) == ["화면.png", "support-inquiry.json"]
    assert parts["support-inquiry.json"].get_content_type() == "application/json"
    facts = json.loads(parts["support-inquiry.json"].get_content())  # for the desk's software
    assert facts["schema"] == "support-inquiry/1" and facts["app_version"] == __version__
    assert (facts["inquiry_id"], facts["chat_id"], facts["topic"]) == (
        email["id"],
        chat["id"],
        "usage",
    )
    assert facts["answers"]["what"] == "업데이트해도 계속 꺼져요"
    assert facts["answers"]["tried"] == "재설치" and facts["answers"]["error"] == ""
    assert facts["environment"] == "Galaxy S24, Android 15"
    assert facts["articles"] == [{**cited, "turn": 1, "verdict": None}]
    assert [t["role"] for t in facts["turns"]] == ["customer", "agent"]
    assert facts["turns"][0]["text"] == "앱이 계속 꺼져요"
    assert facts["turns"][1]["articles"] == [cited]
    (listed,) = facts["attachments"]
    sent_bytes = parts["화면.png"].get_content()
    assert sent_bytes == shot.read_bytes()
    assert listed == {
        "filename": "화면.png",
        "size": len(sent_bytes),
        "sha256": hashlib.sha256(sent_bytes).hexdigest(),
        "content_type": "image/png",
    }
    assert email["attachments"][0]["sha256"] == listed["sha256"]


def test_editor_polishes_the_body(srv, run, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "\\n편집기에서 덧붙임\\n" >> "$1"\n')
    editor.chmod(0o755)
    child = spawn(srv, editor=str(editor))
    fill_until_tried(child)
    answer(child)
    child.expect("Environment")
    answer(child)
    child.expect("File to attach")
    child.sendline("")
    child.expect("EDITOR")
    child.send("y")
    child.expect("What now")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    body = text_part(srv.wait_for(1)[0].message)
    assert body.endswith("\n편집기에서 덧붙임\n") and "두 번 빠졌어요" in body


STEPS = [
    "Topic",
    "Subject",
    "What happened",
    "Exact error",
    "already tried",
    "Environment",
    "File to attach",
    "What now",
]


def _walk_to(child, step):
    """Answer every question before `step`, then stop at it."""
    answers = {
        "Topic": lambda: child.sendline(""),
        "Subject": lambda: child.sendline("신호 테스트"),
        "What happened": lambda: answer(child, "중간에 끊겨도 남아야 해요"),
        "Exact error": lambda: answer(child, "E-1"),
        "already tried": lambda: answer(child, "재시작"),
        "Environment": lambda: answer(child, "Linux"),
        "File to attach": lambda: child.sendline(""),
    }
    for name in STEPS:
        child.expect(name)
        if name == step:
            if name in DETAILS:
                child.expect("›")  # drawn: the signal reaches the prompt, as a person's would
            return
        answers[name]()


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(("signal", "code"), [("int", 130), ("term", 143), ("hup", 129)])
def test_every_composer_question_survives_signals(srv, run, step, signal, code):
    child = spawn(srv)
    _walk_to(child, step)
    if signal == "int":
        child.sendintr()
    else:
        child.kill(15 if signal == "term" else 1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == code, child.before
    assert "Traceback" not in child.before
    records = json.loads(run("export").stdout)
    if step in ("Topic", "Subject"):  # nothing typed yet, nothing to keep
        assert records == [] and "nothing to keep" in child.before
        return
    (draft,) = records
    assert draft["status"] == "draft" and draft["subject"] == "신호 테스트"
    if STEPS.index(step) > STEPS.index("What happened"):
        assert "중간에 끊겨도 남아야 해요" in draft["messages"][0]["body"]
    assert srv.connections == 0


LONG = "어제 결제를 했는데 두 번 빠졌어요 카드사에 문의했더니 가맹점에 물어보라고 합니다"


@pytest.mark.parametrize(("rows", "cols"), [(24, 60), (24, 80), (40, 120)])
def test_the_answer_takes_the_terminals_width_and_ctrl_c_keeps_it(srv, run, rows, cols):
    term = Terminal("email", rows=rows, cols=cols, env=smtp_env(srv))
    term.expect("Topic")
    term.child.sendline("")
    term.expect("Subject")
    term.child.sendline("결제 오류")
    term.expect("What happened")
    term.child.send(LONG)
    screen = term.settle("합니다")
    assert any("What happened" in row for row in screen)
    answer = screen[[row.startswith("›") for row in screen].index(True) :]
    answer = [row for row in answer if row.strip()]
    # Every word whole on one row (Korean is wrapped between words, not inside them)...
    assert all(any(word in row.split() for row in answer) for word in LONG.split()), screen
    # ...and the rows are as wide as the terminal allows.
    assert len(answer) <= -(-wcswidth(LONG) // (cols - 3 - 12)), screen
    term.child.sendintr()
    term.child.expect(pexpect.EOF)
    term.child.close()
    assert term.child.exitstatus == 130
    draft = json.loads(run("show", "1", "--json").stdout)
    assert draft["status"] == "draft" and draft["subject"] == "결제 오류"
    assert draft["messages"][0]["body"] == f"[무슨 일이 있었나요]\n{LONG}\n"


def _empty_draft() -> int:
    """A draft with a subject and no body, as a Ctrl-C at "What happened" left one."""
    from supportcli.mail.outbox import Composed, record
    from supportcli.store.db import connect

    empty = Composed(body="", subject="빈 초안", sender="hong@example.com", to=["help@example.com"])
    return record(connect(), empty, status="draft")


def test_an_empty_draft_asks_for_its_body(srv, run):
    n = _empty_draft()
    refused = run("outbox", "send", str(n), env=smtp_env(srv))  # no terminal: one line
    assert refused.returncode == 2 and "body: the message is empty" in refused.stderr
    child = spawn(srv, "--edit", str(n))
    child.expect("What happened")  # asked, instead of refusing to send
    answer(child, "주문 내역이 안 보여요")
    for question in ("Exact error", "already tried", "Environment"):
        child.expect(question)
        answer(child)
    child.expect("What now")
    child.sendline("")  # send
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    (got,) = srv.wait_for(1)
    assert text_part(got.message) == "[무슨 일이 있었나요]\n주문 내역이 안 보여요\n"
    assert json.loads(run("show", str(n), "--json").stdout)["status"] == "sent"


def test_discarding_an_edited_draft_removes_it(srv, run):
    n = _empty_draft()
    child = spawn(srv, "--edit", str(n))
    child.expect("What happened")
    answer(child, "버릴 내용")
    for question in ("Exact error", "already tried", "Environment"):
        child.expect(question)
        answer(child)
    child.expect("What now")
    child.send(DOWN * 3)  # send -> edit -> draft -> cancel
    child.sendline("")
    child.expect("Discard this inquiry")
    child.send("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert f"draft #{n} is discarded" in child.before and "unchanged" not in child.before
    assert run("show", str(n)).returncode == 1
    assert json.loads(run("outbox", "--json").stdout) == []
