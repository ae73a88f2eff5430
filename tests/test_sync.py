"""Answers come back: support sync against a real Dovecot (IMAP over TLS), support reply,
close and reopen."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from conftest import assert_one_line_error
from imapserver import ImapServer, require_dovecot
from mailtest import smtp_env, text_part
from smtpserver import SmtpServer


@pytest.fixture
def smtp():
    with SmtpServer(mode="ssl") as srv:
        yield srv


@pytest.fixture
def imap():
    require_dovecot()
    with ImapServer(mode="ssl") as srv:
        yield srv


def env_for(smtp, imap, **extra):
    return {
        **smtp_env(smtp),
        "SUPPORT_IMAP_HOST": imap.host,
        "SUPPORT_IMAP_PORT": str(imap.port),
        "SUPPORT_IMAP_SECURITY": imap.mode,
        "SUPPORT_IMAP_USER": imap.user,
        "SUPPORT_IMAP_PASSWORD": imap.password,
        "SUPPORT_IMAP_CA_FILE": imap.ca_file,
        **extra,
    }


def answer(
    to_id, *, refs=(), body="답변입니다.", subject="Re: 문의", attachment=None, message_id=None
):
    msg = EmailMessage()
    msg["From"] = "고객센터 <help@example.com>"
    msg["To"] = "hong@example.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="desk.example.com")
    msg["In-Reply-To"] = to_id
    msg["References"] = " ".join([*refs, to_id])
    msg.set_content(body)
    if attachment:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg.as_bytes().replace(b"\n", b"\r\n")


def file_raw(db, raw, inquiry, *, known=None, desk=("help@example.com",)):
    """File one raw answer in-process as `sync` does; True if it was filed now."""
    from supportcli.mail import answers, inbound
    from supportcli.store import attachments

    filing = answers._Filing(
        db=db,
        known={} if known is None else known,
        desk=answers.Desk(frozenset(desk), frozenset()),
        limits=inbound.Limits(),
        report=answers.SyncReport(),
    )
    original = attachments.keep_bytes(raw, "answer.eml")
    answers._file(filing, raw, original, inquiry, ())
    return filing.report.filed[inquiry] == 1


def test_an_answer_filed_meanwhile_by_another_sync_is_not_filed_twice(engine, db):
    """Two machines syncing one mailbox: each read the Message-IDs it knew before the other
    filed the answer. The second to file it must skip it, not fail or file it again."""
    import seed

    inquiry = seed.email(db, "payment", "환불 요청", "환불해 주세요")
    raw = answer(f"<{inquiry}.test@example.com>", body="환불 처리되었습니다.")
    assert file_raw(db, raw, inquiry) is True
    assert file_raw(db, raw, inquiry) is False  # `known` read before the first
    bodies = [r[0] for r in db.execute("SELECT body FROM message WHERE role = 'agent'")]
    assert bodies == ["환불 처리되었습니다.\n"]


def send(run, env, subject, body):
    result = run("email", "--subject", subject, "--body", body, env=env)
    assert result.returncode == 0, result.stderr
    inquiry_id = int(result.stderr.strip().splitlines()[-1].split()[1])
    record = json.loads(run("show", str(inquiry_id), "--json").stdout)
    return inquiry_id, record["email"]["message_id"]


def test_sync_files_answers_once_and_touches_nothing(engine, run, smtp, imap):
    env = env_for(smtp, imap)
    refund, refund_mid = send(run, env, "환불 요청", "결제 취소하고 환불받고 싶어요")
    login, login_mid = send(run, env, "Login problem", "I cannot log in")

    pdf = b"%PDF-1.4 refund form"
    quoted = (
        "환불 접수되었습니다. 3~7영업일 안에 처리됩니다.\n\n"
        "2026년 11월 26일 (목) 오후 1:00, 홍길동 <hong@example.com>님이 작성:\n"
        "> 결제 취소하고 환불받고 싶어요\n"
    )
    korean = answer(
        refund_mid, body=quoted, subject="Re: 환불 요청", attachment=("환불 신청서.pdf", pdf)
    )
    imap.append(korean)
    imap.append(korean)  # the same answer twice
    imap.append(answer("<unrelated@elsewhere.example>", body="newsletter"))
    imap.append(
        answer(
            login_mid,
            body="Try resetting your password.\n\nOn Thu, Nov 26, "
            "2026, Hong wrote:\n> I cannot log in\n",
        )
    )
    before = imap.messages()

    result = run("sync", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {row["inquiry_id"]: row["answers"] for row in report["filed"]} == {refund: 1, login: 1}

    record = json.loads(run("show", str(refund), "--json").stdout)
    assert record["status"] == "answered"
    agent = record["messages"][-1]
    assert agent["role"] == "agent"
    assert agent["body"] == "환불 접수되었습니다. 3~7영업일 안에 처리됩니다.\n"
    (attached,) = [a for a in record["attachments"] if a["message_id"] == agent["id"]]
    assert attached["filename"] == "환불 신청서.pdf" and attached["size"] == len(pdf)
    login_record = json.loads(run("show", str(login), "--json").stdout)
    assert login_record["messages"][-1]["body"] == "Try resetting your password.\n"

    again = json.loads(run("sync", "--json", env=env).stdout)
    assert again["total"] == 0
    assert imap.messages() == before  # nothing deleted, moved or changed

    human = run("list", env=env).stdout
    assert "agent" in human  # the last word is theirs


def test_reply_threads_and_answers_to_it_are_filed(engine, run, smtp, imap):
    env = env_for(smtp, imap)
    inquiry, first_mid = send(run, env, "결제 오류", "결제가 안 돼요")
    imap.append(answer(first_mid, body="카드 정보를 확인해 주세요."))
    run("sync", env=env, check=True)

    result = run("reply", str(inquiry), "--body", "확인했는데도 안 돼요", env=env)
    assert result.returncode == 0, result.stderr
    follow = smtp.wait_for(2)[1].message
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    agent_mid = record["messages"][1]["message_id"]
    mine = record["messages"][2]
    assert follow["Message-ID"] == mine["message_id"]
    assert follow["In-Reply-To"] == agent_mid
    assert follow["References"].split() == [first_mid, agent_mid]
    assert follow["Subject"] == "Re: 결제 오류"
    assert text_part(follow) == "확인했는데도 안 돼요"
    assert record["status"] == "sent"

    imap.append(
        answer(
            mine["message_id"],
            refs=[first_mid, agent_mid],
            body="결제 내역을 다시 확인했습니다. 환불해 드릴게요.",
        )
    )
    report = json.loads(run("sync", "--json", env=env).stdout)
    assert report["total"] == 1
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    assert record["status"] == "answered" and len(record["messages"]) == 4


def test_reply_when_the_server_is_down_waits_in_the_outbox(run, smtp, imap):
    env = env_for(smtp, imap)
    inquiry, _ = send(run, env, "문의", "본문")
    with SmtpServer(mode="ssl", behaviour="451") as busy:
        result = run("reply", str(inquiry), "--body", "추가 문의", env=env_for(busy, imap))
        assert_one_line_error(result, 75)
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    assert record["status"] == "queued" and record["messages"][-1]["delivery"] == "pending"
    run("outbox", "send", env=env, check=True)
    sent = smtp.wait_for(2)
    assert [m.message["Subject"] for m in sent] == ["문의", "Re: 문의"]  # original not resent
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    assert record["status"] == "sent" and record["messages"][-1]["delivery"] == "sent"


def test_close_and_reopen(engine, run, smtp, imap):
    env = env_for(smtp, imap)
    inquiry, mid = send(run, env, "닫기", "본문")
    imap.append(answer(mid))
    run("sync", env=env, check=True)
    run("close", str(inquiry), check=True)
    assert json.loads(run("show", str(inquiry), "--json").stdout)["status"] == "closed"
    assert_one_line_error(run("close", str(inquiry)), 2)
    run("reopen", str(inquiry), check=True)
    assert json.loads(run("show", str(inquiry), "--json").stdout)["status"] == "answered"
    assert_one_line_error(run("reopen", str(inquiry)), 2)
    chat = run("chat", input="hello\n", env=env)
    chat_id = int(chat.stderr.strip().splitlines()[-1].split()[1])
    assert_one_line_error(run("close", str(chat_id)), 2)


def test_untrusted_imap_certificate_is_refused(run, smtp):
    require_dovecot()
    with ImapServer(mode="starttls", untrusted=True) as imap:
        env = env_for(smtp, imap)
        send(run, env, "s", "b")
        result = run("sync", env=env)
        assert_one_line_error(result, 1)
        assert "certificate" in result.stderr
        assert "Login:" not in imap.log_text()


def test_sync_without_settings_names_them(run):
    result = run("sync")
    assert_one_line_error(result, 2)
    assert "imap.host" in result.stderr


def test_thousands_of_unrelated_messages(run, smtp, imap):
    env = env_for(smtp, imap)
    inquiry, mid = send(run, env, "영수증", "영수증이 필요해요")
    noise = [answer(f"<n{n}@elsewhere.example>", body=f"newsletter {n}") for n in range(2000)]
    imap.append_many(noise[:1000])
    imap.append(answer(mid, body="영수증을 첨부했습니다."))
    imap.append_many(noise[1000:])
    report = json.loads(run("sync", "--json", env=env).stdout)
    assert report["total"] == 1 and report["checked"] == 2001
    again = json.loads(run("sync", "--json", env=env).stdout)
    assert again["checked"] == 0  # only mail newer than the last sync is asked for
    assert json.loads(run("show", str(inquiry), "--json").stdout)["status"] == "answered"
