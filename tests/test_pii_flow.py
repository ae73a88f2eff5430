"""The personal-data guard on what leaves (issue 19), without a terminal: `--pii` on
`support email`, `support reply` and `support outbox send`, the setting pii.mode, a
chat's warning line and its `/email`, against a real SMTP server and real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_one_line_error
from mailtest import smtp_env, text_part
from smtpserver import SmtpServer

RRN = "900101-1234567"
RRN_MASKED = "900101-1******"
CARD = "4111 1111 1111 1111"
CARD_MASKED = "**** **** **** 1111"
BODY = f"환불 부탁드립니다. 주민번호는 {RRN}이고\n결제한 카드는 {CARD} 입니다.\n"


@pytest.fixture
def srv():
    with SmtpServer(mode="ssl") as server:
        yield server


def records(run):
    return json.loads(run("export", check=True).stdout)


def stored_anywhere(home: Path, value: str) -> list[Path]:
    """Every file under SUPPORT_HOME (history, its WAL, attachments, logs) holding `value`."""
    needle = value.encode()
    return [p for p in home.rglob("*") if p.is_file() and needle in p.read_bytes()]


def facts_part(message):  # type: ignore[no-untyped-def]
    (part,) = [p for p in message.iter_attachments() if p.get_filename() == "support-inquiry.json"]
    return part


def digits_anywhere(home: Path, value: str) -> list[Path]:
    return stored_anywhere(home, value) + stored_anywhere(home, value.replace(" ", ""))


def test_refused_by_default_nothing_sent_nothing_recorded(run, srv):
    result = run("email", "--subject", "환불", "--body", BODY, env=smtp_env(srv))
    assert_one_line_error(result, 2)
    assert "resident registration number ×1" in result.stderr
    assert "card number ×1" in result.stderr
    assert "--pii mask" in result.stderr and "--pii keep" in result.stderr
    assert RRN not in result.stderr and CARD not in result.stderr  # kinds, never values
    assert srv.connections == 0 and srv.messages == []
    assert records(run) == []


def test_mask_sends_and_records_exactly_the_masked_text(engine, run, srv, home, tmp_path):
    log = tmp_path / "결제 로그.txt"
    log.write_text(f"card={CARD}\nok\n", encoding="utf-8")
    result = run(
        "email",
        "--subject",
        f"카드 {CARD} 환불",
        "--body",
        BODY,
        "--attach",
        str(log),
        "--pii",
        "mask",
        env=smtp_env(srv),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Sent inquiry #1.",
        "Masked before sending: card number ×3, resident registration number ×1",
        "email 1",
    ]
    (got,) = srv.wait_for(1)
    body = text_part(got.message)
    assert body == BODY.replace(RRN, RRN_MASKED).replace(CARD, CARD_MASKED)
    assert got.message["Subject"] == f"카드 {CARD_MASKED} 환불"
    (part,) = got.message.iter_attachments()
    assert part.get_filename() == "결제 로그.txt"
    assert part.get_content() == f"card={CARD_MASKED}\nok\n"
    (record,) = records(run)
    assert record["status"] == "sent"
    assert record["subject"] == f"카드 {CARD_MASKED} 환불"
    assert record["messages"][0]["body"] == body
    assert record["messages"][0]["meta"]["pii"] == {
        "masked": {"card": 3, "rrn": 1},
        "kept": {},
    }
    shown = run("show", "1", check=True).stdout
    assert "masked before sending: card number ×3, resident registration number ×1" in shown
    # The original is nowhere: not in the history, its WAL, the stored attachment, a log.
    assert digits_anywhere(home, CARD) == [] and stored_anywhere(home, RRN) == []
    for fmt in ("json", "csv", "markdown"):
        exported = run("export", "--format", fmt, check=True).stdout
        assert RRN not in exported and CARD not in exported


def test_keep_sends_as_written_and_records_the_kinds(run, srv):
    result = run("email", "--subject", "s", "--body", BODY, "--pii", "keep", env=smtp_env(srv))
    assert result.returncode == 0, result.stderr
    assert "Sent as written: card number ×1, resident registration number ×1" in result.stderr
    (got,) = srv.wait_for(1)
    assert text_part(got.message) == BODY
    (record,) = records(run)
    assert record["messages"][0]["meta"]["pii"] == {
        "masked": {},
        "kept": {"card": 1, "rrn": 1},
    }


def test_nothing_found_sends_without_a_word_and_records_nothing_of_it(run, srv):
    result = run("email", "--subject", "s", "--body", "주문번호 20261126-0001", env=smtp_env(srv))
    assert result.returncode == 0, result.stderr
    (record,) = records(run)
    assert "meta" not in record["messages"][0]


@pytest.mark.parametrize(("setting", "env_mode", "sent_as"), [
    ("mask", None, RRN_MASKED),
    ("keep", None, RRN),
    ("keep", "mask", RRN_MASKED),  # the environment overrides the file
    ("ask", None, None),  # ask without a terminal refuses
])  # fmt: skip
def test_the_setting_decides_without_the_flag(run, srv, setting, env_mode, sent_as):
    run("config", "set", "pii.mode", setting, check=True)
    env = smtp_env(srv) | ({"SUPPORT_PII_MODE": env_mode} if env_mode else {})
    result = run("email", "--subject", "s", "--body", f"번호 {RRN}", env=env)
    if sent_as is None:
        assert result.returncode == 2 and srv.messages == []
        return
    assert result.returncode == 0, result.stderr
    (got,) = srv.wait_for(1)
    assert text_part(got.message) == f"번호 {sent_as}"


def test_the_setting_is_shown_and_checked(run, srv):
    shown = json.loads(run("config", "show", "--json", check=True).stdout)
    assert shown["pii.mode"] == "ask"
    bad = run("config", "set", "pii.mode", "sometimes")
    assert bad.returncode == 2 and "mask, keep, refuse, ask" in bad.stderr
    flag = run("email", "--subject", "s", "--body", "b", "--pii", "ask", env=smtp_env(srv))
    assert flag.returncode == 2 and "--pii" in flag.stderr


def test_the_flag_overrides_the_setting(run, srv):
    run("config", "set", "pii.mode", "keep", check=True)
    result = run("email", "--subject", "s", "--body", RRN, "--pii", "refuse", env=smtp_env(srv))
    assert result.returncode == 2 and records(run) == []


def test_dry_run_shows_what_the_mode_would_send(run, srv):
    refused = run("email", "--subject", "s", "--body", BODY, "--dry-run", env=smtp_env(srv))
    assert refused.returncode == 2 and refused.stdout == ""
    masked = run(
        "email", "--subject", "s", "--body", BODY, "--dry-run", "--pii", "mask", env=smtp_env(srv)
    )
    assert masked.returncode == 0, masked.stderr
    assert RRN_MASKED in masked.stdout or "base64" in masked.stdout.lower()
    assert RRN not in masked.stdout and CARD not in masked.stdout
    assert records(run) == [] and srv.connections == 0


def test_a_draft_is_kept_as_written_and_outbox_send_guards_it(engine, run, srv, home, tmp_path):
    env = smtp_env(srv)
    log = tmp_path / "log.txt"
    log.write_text(f"rrn={RRN}\n", encoding="utf-8")
    draft = run("email", "--subject", "s", "--body", BODY, "--attach", str(log), "--draft", env=env)
    assert draft.returncode == 0, draft.stderr
    refused = run("outbox", "send", "1", env=env)
    assert refused.returncode == 2
    assert "draft #1" in refused.stderr and "support email --edit 1" in refused.stderr
    assert srv.connections == 0
    (record,) = records(run)
    assert record["status"] == "draft" and record["messages"][0]["body"] == BODY
    sent = run("outbox", "send", "1", "--pii", "mask", env=env)
    assert sent.returncode == 0, sent.stderr
    (got,) = srv.wait_for(1)
    (record,) = records(run)
    assert text_part(got.message) == record["messages"][0]["body"]
    assert RRN not in record["messages"][0]["body"] and RRN_MASKED in text_part(got.message)
    assert record["messages"][0]["meta"]["pii"]["masked"] == {"card": 1, "rrn": 2}
    (part,) = got.message.iter_attachments()
    assert part.get_content() == f"rrn={RRN_MASKED}\n"
    # The draft held the originals; masked over itself, it leaves them in no file (the
    # search index, the write-ahead log, the copy of the attachment).
    assert stored_anywhere(home, RRN) == [] and digits_anywhere(home, CARD) == []
    if engine == "postgresql":  # the shared history keeps files as blobs: only the masked
        from supportcli.store.db import connect

        blobs = connect().execute("SELECT count(*) FROM attachment_blob").fetchone()[0]
        assert blobs == 1


def test_reply_is_guarded_too(engine, run, srv, home):
    env = smtp_env(srv)
    run("email", "--subject", "s", "--body", "first", env=env, check=True)
    refused = run("reply", "1", "--body", f"카드는 {CARD}", env=env)
    assert refused.returncode == 2 and "card number ×1" in refused.stderr
    assert len(srv.wait_for(1)) == 1
    (record,) = records(run)
    assert len(record["messages"]) == 1 and record["status"] == "sent"
    masked = run("reply", "1", "--body", f"카드는 {CARD}", "--pii", "mask", env=env)
    assert masked.returncode == 0, masked.stderr
    got = srv.wait_for(2)[1]
    assert text_part(got.message) == f"카드는 {CARD_MASKED}"
    (record,) = records(run)
    follow_up = record["messages"][1]
    assert follow_up["body"] == f"카드는 {CARD_MASKED}"
    assert follow_up["meta"]["pii"]["masked"] == {"card": 1}
    assert digits_anywhere(home, CARD) == []


def test_chat_warns_and_its_email_carries_nothing_unmasked(run, srv):
    env = smtp_env(srv)
    lines = f"결제가 두 번 됐어요 카드 {CARD}\n환불은 언제 되나요\n/email\n"
    chat = run("chat", input=lines, env=env)
    assert chat.returncode == 0, chat.stderr
    warnings = [line for line in chat.stderr.splitlines() if "Careful" in line]
    assert len(warnings) == 1  # the second message holds nothing
    assert "card number ×1" in warnings[0] and "kept in your chat history" in warnings[0]
    assert CARD not in chat.stderr
    # In the subject (the chat's first line) and in the transcript.
    assert "The transcript holds personal data (card number ×2)" in chat.stderr
    assert chat.stderr.strip().splitlines()[-2:] == ["email 2", "chat 1"]
    refused = run("outbox", "send", "2", env=env)
    assert refused.returncode == 2 and srv.connections == 0
    sent = run("outbox", "send", "2", "--pii", "mask", env=env)
    assert sent.returncode == 0, sent.stderr
    (got,) = srv.wait_for(1)
    assert CARD_MASKED in text_part(got.message)
    # The facts part for the desk's software is rebuilt from the chat: masked too.
    raw = got.data.decode("ascii", "replace")
    facts = facts_part(got.message)
    assert CARD not in json.dumps(json.loads(facts.get_content()), ensure_ascii=False)
    assert got.message["Subject"].endswith(CARD_MASKED)
    assert CARD.replace(" ", "") not in raw
    chat_record, email_record = sorted(records(run), key=lambda r: r["id"])
    assert CARD not in json.dumps(email_record, ensure_ascii=False)
    # The chat itself keeps what the customer typed: it stays on this machine (warned).
    assert CARD in chat_record["messages"][0]["body"]


def test_email_from_chat_with_flags_masks_the_facts_part(run, srv):
    env = smtp_env(srv)
    run("chat", input=f"주민번호 {RRN} 확인 부탁\n", env=env, check=True)
    result = run("email", "--from-chat", "1", "--pii", "mask", env=env)
    assert result.returncode == 0, result.stderr
    (got,) = srv.wait_for(1)
    assert RRN_MASKED in text_part(got.message) and RRN not in text_part(got.message)
    facts = facts_part(got.message)
    text = facts.get_content().decode()
    assert RRN not in text and RRN_MASKED in text


def test_korean_refusal(run, srv):
    result = run(
        "email", "--subject", "s", "--body", BODY, env=smtp_env(srv) | {"SUPPORT_LANG": "ko"}
    )
    assert result.returncode == 2
    assert "주민등록번호" in result.stderr and "--pii mask" in result.stderr
