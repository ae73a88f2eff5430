"""The personal-data review in a real pseudo-terminal (issue 19): the findings shown in a
diff-like view, then mask all, keep some, keep all or edit, with a real SMTP server
receiving exactly what was chosen; the same for `support reply`, and a chat's warning."""

from __future__ import annotations

import json

import pexpect
import pytest
from mailtest import smtp_env, spawn_support, text_part
from screen import Terminal
from smtpserver import SmtpServer

DOWN = "\x1b[B"
RRN = "900101-1234567"
RRN_MASKED = "900101-1******"
CARD = "4111 1111 1111 1111"
CARD_MASKED = "**** **** **** 1111"
BODY = f"주민번호 {RRN}\n카드 {CARD} 로 결제했어요\n"


@pytest.fixture
def srv():
    with SmtpServer(mode="ssl") as server:
        yield server


spawn = spawn_support


def draft(run, srv, body=BODY):
    """A draft holding personal data (a draft is kept as written: the guard runs when it
    is sent); `support email --edit 1` opens it at the review."""
    run("email", "--subject", "결제 문의", "--body", body, "--draft", env=smtp_env(srv), check=True)
    return spawn(srv, "--edit", "1")


def to_the_findings(child):
    child.expect("What now")
    child.sendline("")  # send
    child.expect("Personal data in what you are sending: 2 findings")
    child.expect("Send personal data")


def finished(child, srv):
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    (got,) = srv.wait_for(1)
    return text_part(got.message)


def only_record(run):
    (record,) = json.loads(run("export").stdout)
    return record


def test_the_findings_in_a_diff_like_view_and_mask_all_is_the_default(run, srv):
    run("email", "--subject", "결제 문의", "--body", BODY, "--draft", env=smtp_env(srv), check=True)
    term = Terminal("email", "--edit", "1", rows=50, cols=100, env=smtp_env(srv))
    term.expect("What now")
    term.child.sendline("")  # send
    rows = term.settle("Send personal data")
    shown = "\n".join(rows)
    assert "Personal data in what you are sending: 2 findings" in shown
    assert "1. resident registration number · Body, line 1" in shown
    assert f"│ - 주민번호 {RRN}" in shown and f"│ + 주민번호 {RRN_MASKED}" in shown
    assert "2. card number · Body, line 2" in shown
    assert f"│ - 카드 {CARD} 로 결제했어요" in shown
    assert f"│ + 카드 {CARD_MASKED} 로 결제했어요" in shown
    assert "❯ Mask all and send" in shown or "» Mask all and send" in shown
    child = term.child
    child.sendline("")  # mask all
    sent = finished(child, srv)
    assert sent == f"주민번호 {RRN_MASKED}\n카드 {CARD_MASKED} 로 결제했어요\n"
    record = only_record(run)
    assert record["status"] == "sent" and record["messages"][0]["body"] == sent
    assert record["messages"][0]["meta"]["pii"] == {"masked": {"card": 1, "rrn": 1}, "kept": {}}


def test_keep_one_mask_the_other(run, srv):
    child = draft(run, srv)
    to_the_findings(child)
    child.send(DOWN)  # mask all -> keep some
    child.sendline("")
    child.expect("Which to send as written")
    child.expect("card number")  # the list is drawn
    child.send(DOWN)  # the second: the card number
    child.send(" ")
    child.sendline("")
    sent = finished(child, srv)
    assert sent == f"주민번호 {RRN_MASKED}\n카드 {CARD} 로 결제했어요\n"
    meta = only_record(run)["messages"][0]["meta"]
    assert meta["pii"] == {"masked": {"rrn": 1}, "kept": {"card": 1}}


def test_keep_all_sends_it_as_written(run, srv):
    child = draft(run, srv)
    to_the_findings(child)
    child.send(DOWN * 2)  # mask all -> keep some -> keep all
    child.sendline("")
    assert finished(child, srv) == BODY
    assert only_record(run)["messages"][0]["meta"]["pii"]["kept"] == {"card": 1, "rrn": 1}


def test_edit_goes_back_and_what_is_left_is_checked_again(run, srv, tmp_path):
    editor = tmp_path / "editor.sh"  # the customer deletes the resident number
    editor.write_text(f'#!/bin/sh\nsed -i "s/{RRN}/(생략)/" "$1"\n')
    editor.chmod(0o755)
    run("email", "--subject", "결제 문의", "--body", BODY, "--draft", env=smtp_env(srv), check=True)
    child = spawn(srv, "--edit", "1", editor=str(editor))
    to_the_findings(child)
    child.send(DOWN * 3)  # -> edit first
    child.sendline("")
    child.expect("Edit which part")
    child.send(DOWN * 5)  # subject, topic, body, attachments, cc -> whole body in $EDITOR
    child.sendline("")
    child.expect("What now")
    child.sendline("")  # send: the card is still there
    child.expect("Personal data in what you are sending: 1 finding")
    child.expect("Send personal data")
    child.sendline("")  # mask all
    assert finished(child, srv) == f"주민번호 (생략)\n카드 {CARD_MASKED} 로 결제했어요\n"


def test_edit_without_an_editor_rewrites_the_body_at_the_prompt(run, srv):
    child = draft(run, srv)
    to_the_findings(child)
    child.send(DOWN * 3)  # -> edit first
    child.sendline("")
    child.expect("Edit which part")
    child.send(DOWN * 2)  # subject, topic -> body
    child.sendline("")
    child.expect("›")
    child.expect("로 결제했어요")  # the body, drawn for editing
    child.send("\x7f" * 80 + "개인정보는 빼고 다시 씁니다\x1b\r")
    child.expect("What now")
    child.sendline("")  # send: nothing left to ask about
    assert finished(child, srv) == "개인정보는 빼고 다시 씁니다"
    assert "meta" not in only_record(run)["messages"][0]


def test_a_masked_attachment_goes_masked(run, srv, tmp_path):
    log = tmp_path / "log.txt"
    log.write_text(f"user rrn={RRN}\n", encoding="utf-8")
    run(
        "email", "--subject", "로그", "--body", "첨부합니다", "--attach", str(log), "--draft",
        env=smtp_env(srv), check=True,
    )  # fmt: skip
    child = spawn(srv, "--edit", "1")
    child.expect("What now")
    child.sendline("")
    child.expect("1 finding")
    child.expect("log.txt, line 1")
    child.expect("Send personal data")
    child.sendline("")
    assert finished(child, srv) == "첨부합니다"
    (part,) = srv.messages[0].message.iter_attachments()
    assert part.get_content() == f"user rrn={RRN_MASKED}\n"
    assert log.read_text() == f"user rrn={RRN}\n"  # the customer's own file is untouched


def test_the_setting_mask_shows_and_masks_without_asking(run, srv):
    run("config", "set", "pii.mode", "mask", check=True)
    child = draft(run, srv)
    child.expect("What now")
    child.sendline("")
    child.expect("It goes masked")
    assert finished(child, srv).startswith(f"주민번호 {RRN_MASKED}\n")


def test_reply_at_a_terminal_asks_too_in_korean(run, srv):
    run("email", "--subject", "s", "--body", "처음", env=smtp_env(srv), check=True)
    child = spawn(srv, "1", "--body", f"카드 {CARD}", command="reply", lang="ko")
    child.expect("보내는 내용에 개인정보가 1건 있습니다")
    child.expect("카드 번호")
    child.expect("본문 1행")
    child.expect("개인정보를 보낼까요")
    child.expect("모두 가리고 보내기")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    got = srv.wait_for(2)[1]
    assert text_part(got.message) == f"카드 {CARD_MASKED}"


def test_a_chat_warns_when_the_customer_types_personal_data(run, srv):
    child = spawn(srv, "--topic", "payment", command="chat")
    child.expect("you ›")
    child.sendline(f"카드 {CARD} 결제 취소해 주세요")
    child.expect("Careful: this message holds personal data \\(card number ×1\\)")
    child.expect("you ›")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    record = only_record(run)
    assert record["messages"][0]["body"] == f"카드 {CARD} 결제 취소해 주세요"


def test_yes_at_a_terminal_still_asks_about_personal_data(run, srv):
    child = spawn(srv, "--subject", "s", "--body", f"번호 {RRN}", "--yes")
    child.expect("What now")  # the review, without the form's questions
    assert "File to attach" not in child.before and "What happened" not in child.before
    child.sendline("")
    child.expect("1 finding")
    child.expect("Send personal data")
    child.sendline("")
    assert finished(child, srv) == f"번호 {RRN_MASKED}"


def test_a_chats_email_at_a_terminal_masks_the_transcript_and_the_facts(run, srv):
    child = spawn(srv, "--topic", "payment", command="chat")
    child.expect("you ›")
    child.sendline(f"주민번호 {RRN} 로 가입했는데 결제가 안 돼요")
    child.expect("Careful")
    child.expect("you ›")
    child.sendline("/email")
    child.expect("What is still wrong")
    child.expect("›")
    child.send("아직 결제가 안 됩니다\x1b\r")
    for question in ("Exact error", "already tried", "Environment"):
        child.expect(question)
        child.expect("›")
        child.send("\x1b\r")
    child.expect("File to attach")
    child.sendline("")
    child.expect("What now")
    child.sendline("")  # send
    child.expect("2 findings")  # the subject (the chat's first line) and the transcript
    child.expect("Send personal data")
    child.sendline("")  # mask all
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    (got,) = srv.wait_for(1)
    assert RRN not in got.message["Subject"] and RRN_MASKED in got.message["Subject"]
    body = text_part(got.message)
    assert RRN not in body and f"주민번호 {RRN_MASKED} 로 가입했는데" in body
    (facts,) = [
        p for p in got.message.iter_attachments() if p.get_filename() == "support-inquiry.json"
    ]
    assert RRN not in facts.get_content().decode()
    email = json.loads(run("show", "2", "--json", check=True).stdout)
    assert RRN not in json.dumps(email, ensure_ascii=False)
    assert email["messages"][0]["meta"]["pii"]["masked"] == {"rrn": 2}


def test_a_transcript_cut_in_the_editor_still_leaves_the_facts_part_masked(run, srv, tmp_path):
    env = smtp_env(srv)
    chat = f"결제가 안 돼요\n카드는 {CARD} 입니다\n/email\n"
    run("chat", input=chat, env=env, check=True)  # chat 1, email draft 2
    editor = tmp_path / "editor.sh"  # the customer keeps only their own words
    editor.write_text('#!/bin/sh\nprintf "결제가 계속 실패합니다\\n" > "$1"\n')
    editor.chmod(0o755)
    child = spawn(srv, "--edit", "2", editor=str(editor))
    child.expect("What is still wrong")
    child.expect("›")
    child.send("아직 안 돼요\x1b\r")
    for question in ("Exact error", "already tried", "Environment"):
        child.expect(question)
        child.expect("›")
        child.send("\x1b\r")
    child.expect("File to attach")
    child.sendline("")
    child.expect("EDITOR")
    child.send("y")
    child.expect("What now")
    child.sendline("")  # send: the body holds nothing personal any more
    assert finished(child, srv) == "결제가 계속 실패합니다\n"
    (facts,) = [
        p
        for p in srv.messages[0].message.iter_attachments()
        if p.get_filename() == "support-inquiry.json"
    ]
    turns = json.loads(facts.get_content())["turns"]
    assert f"카드는 {CARD_MASKED} 입니다" in [t.get("text") for t in turns]
