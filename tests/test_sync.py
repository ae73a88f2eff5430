"""Answers come back: support sync against a real Dovecot (IMAP over TLS), support reply,
close and reopen."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from conftest import assert_one_line_error
from imapserver import ImapServer, imap_env, require_dovecot
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
    return {**smtp_env(smtp), **imap_env(imap), **extra}


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


# ---- issue 13: answers from real mail, filed whatever arrives ----


def handmade(to_id, *, sender="help@example.com", date=None, message_id=None, body="ok", extra=""):
    """An answer written byte by byte, for headers the email package would not write."""
    date = date or format_datetime(datetime.now(UTC))
    message_id = message_id or make_msgid(domain="desk.example.com")
    head = (
        f"From: {sender}\r\nTo: hong@example.com\r\nSubject: Re: s\r\nDate: {date}\r\n"
        f"Message-ID: {message_id}\r\nIn-Reply-To: {to_id}\r\nReferences: {to_id}\r\n{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return head.encode() + body.encode() + b"\r\n"


def test_hostile_answers_never_stop_a_sync_and_strangers_change_nothing(run, smtp, imap):
    env = env_for(smtp, imap)
    asked, asked_mid = send(run, env, "환불 요청", "환불해 주세요")
    closed, closed_mid = send(run, env, "끝난 문의", "해결됐어요")
    run("close", str(closed), check=True)
    pdf = b"%PDF-1.4 form"
    mailbox = [
        answer(asked_mid, body="첫 답변입니다.", attachment=("form.pdf", pdf)),
        # Each of these made the reader of the time raise (issue 13): they are kept unread,
        # or, once the reader understands them, filed. Either way the sync goes on.
        handmade(asked_mid, sender="<", body="broken from"),
        handmade(asked_mid, date="31 Dec 9999 23:59:59 -1200", body="far future"),
        handmade(asked_mid, body="odd charset", extra="X-Charset-Test: 1\r\n").replace(
            b"charset=utf-8", b"charset=unknown-8bit"
        ),
        # A stranger writes into the thread: filed, visibly unverified.
        answer(asked_mid, body="Pay the fee at evil.example").replace(
            b"From: =?utf-8?b?6rOg6rCd7IS87YSw?= <help@example.com>",
            b"From: Support Team <support@evil.example>",
        ),
        # Someone who learnt the Message-ID of a closed inquiry: must not reopen it.
        handmade(closed_mid, sender="Desk <desk@evil.example>", body="reopened!"),
        # An absurd Message-ID (2,000 characters; then one not ASCII): filed, never repeated.
        handmade(asked_mid, message_id="<" + "x" * 2000 + "@desk.example.com>", body="long id"),
        handmade(asked_mid, message_id="<답변@desk.example.com>", body="korean id"),
        answer(asked_mid, body="마지막 답변입니다."),
    ]
    assert b"support@evil.example" in mailbox[4]
    imap.append_many(mailbox)
    delivered = imap.messages()

    result = run("sync", "--json", env={**env, "TZ": "Asia/Seoul"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    unread = {row["uid"]: row["reason"] for row in report["kept_unread"]}
    assert all(reason and "\n" not in reason for reason in unread.values())
    filed = {row["inquiry_id"]: row for row in report["filed"]}
    assert filed[asked]["answers"] + len(unread) == 8  # everything filed or kept unread
    assert filed[asked]["unverified"] >= 1 and filed[closed]["unverified"] == 1

    record = json.loads(run("show", str(asked), "--json").stdout)
    bodies = {m["body"].strip(): m for m in record["messages"][1:]}
    assert bodies["첫 답변입니다."]["verified"] is True
    assert bodies["첫 답변입니다."]["from"] == "help@example.com"
    assert bodies["Pay the fee at evil.example"]["verified"] is False
    assert bodies["Pay the fee at evil.example"]["from"] == "support@evil.example"
    assert bodies["마지막 답변입니다."]["role"] == "agent"  # filed after the bad ones
    assert record["status"] == "answered"
    locked = json.loads(run("show", str(closed), "--json").stdout)
    assert locked["status"] == "closed"  # the forged answer changed nothing ...
    assert locked["messages"][-1]["verified"] is False  # ... but it is kept, and shown
    assert locked["last_role"] == "customer"  # and the customer is still the one waiting
    human = run("show", str(closed), env={"TZ": "Asia/Seoul"})
    assert "unverified" in human.stdout and "desk@evil.example" in human.stdout

    # The original of every filed answer, byte for byte.
    first = record["messages"].index(bodies["첫 답변입니다."]) + 1
    raw = subprocess.run(
        [sys.executable, "-m", "supportcli", "show", str(asked), "--raw", str(first)],
        capture_output=True,
        check=True,
    ).stdout
    assert raw == delivered[0]
    assert bodies["첫 답변입니다."]["raw"] == {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
    }

    # Listed in any time zone, whatever the dates said.
    shown = run("list", env={"TZ": "Asia/Seoul"})
    assert shown.returncode == 0, shown.stderr

    # Our next reply threads on the answers without repeating an id a server could refuse.
    result = run("reply", str(asked), "--body", "감사합니다", env=env)
    assert result.returncode == 0, result.stderr
    follow = smtp.wait_for(3)[-1].message
    references = follow["References"].split()
    assert references[0] == asked_mid and len(references) <= 10
    assert all(r.isascii() and len(r) < 250 for r in references)

    # Nothing new: nothing filed twice; the kept-unread ones are only retried when asked
    # (`sync --retry`: see the next test).
    again = json.loads(run("sync", "--json", env=env).stdout)
    assert again["total"] == 0 and again["checked"] == 0 and again["kept_unread"] == []
    assert imap.messages() == delivered  # nothing deleted, moved or changed


def sync_in_process(monkeypatch, imap, **extra):
    """`support sync` in this process (so a test can break one part of it), against `imap`."""
    from supportcli.config import Settings
    from supportcli.mail import answers

    for name, value in {**imap_env(imap), **extra}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SUPPORT_DESK_EMAIL", "help@example.com")
    return answers.sync, answers.retry, Settings.load()


def sent_inquiry(db, subject):
    import seed

    from supportcli.store.db import now, transaction

    inquiry = seed.email(db, "payment", subject, "본문")
    with transaction(db):
        db.execute("UPDATE email SET sent_at = ? WHERE inquiry_id = ?", (now(), inquiry))
    return inquiry, f"<{inquiry}.test@example.com>"


def stored_files(home):
    folder = home / "attachments"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_one_message_the_reader_cannot_understand_is_kept_and_retried(
    engine, db, home, imap, monkeypatch
):
    from supportcli.mail import inbound
    from supportcli.store import answers as stored_answers
    from supportcli.store import writes

    inquiry, mid = sent_inquiry(db, "환불")
    other, _ = sent_inquiry(db, "다른 문의")
    pdf = b"%PDF-1.4 shared form"
    imap.append_many(
        [
            answer(mid, body="하나", attachment=("a.pdf", b"%PDF-1.4 first")),
            answer(mid, body="둘: 읽을 수 없는 답변", attachment=("b.pdf", b"%PDF-1.4 second")),
            answer(mid, body="셋", attachment=("form.pdf", pdf)),
        ]
    )
    delivered = imap.messages()
    sync, retry, settings = sync_in_process(monkeypatch, imap)

    # Simulates a message the reader cannot understand, whatever the reader of the day
    # trips on: reading the second message raises.
    real_read = inbound.read_answer

    def unreadable(raw, limits=inbound.Limits(), **options):
        if "둘".encode() in raw or b"7Ze0" in raw:  # its text, plain or in base64
            raise ValueError("simulated: a message the reader cannot understand")
        return real_read(raw, limits, **options)

    monkeypatch.setattr(inbound, "read_answer", unreadable)

    # `support delete` of another inquiry holding the same file, between the moment sync
    # kept its copy of form.pdf and the moment it records it: the copy must survive.
    from supportcli import history
    from supportcli.store import attachments

    shared = attachments.keep_bytes(pdf, "form.pdf")
    writes.add_attachment(db, inquiry_id=other, message_id=None, stored=shared)

    real_file = stored_answers.file_answer

    def racing(db_, answer, copies, **kwargs):
        if any(c.sha256 == shared.sha256 for c in copies):
            history.delete([other])  # what a `support delete` run meanwhile does
            assert not attachments.stored_path(shared.sha256).exists()
        return real_file(db_, answer, copies, **kwargs)

    monkeypatch.setattr(stored_answers, "file_answer", racing)
    report = sync(db, settings)
    assert report.filed[inquiry] == 2
    ((kept),) = report.unread
    assert kept.uid == 2 and "simulated" in kept.reason
    position = db.execute("SELECT last_uid FROM mailbox_state").fetchone()[0]
    assert position == 3  # past every message handled, the unreadable one included
    assert attachments.stored_path(shared.sha256).exists()  # not lost to the delete

    # No orphan: b.pdf was never kept (reading failed first); the original is kept.
    b_sha = hashlib.sha256(b"%PDF-1.4 second").hexdigest()
    assert b_sha not in stored_files(home)
    assert hashlib.sha256(delivered[1]).hexdigest() in stored_files(home)

    # Filing fails inside the transaction (after the files were kept): rolled back, the
    # files it kept removed, the message kept unread instead.
    monkeypatch.setattr(inbound, "read_answer", real_read)
    real_change = writes.change_status

    def failing(*args, **kwargs):
        raise RuntimeError("simulated: the history refused this answer")

    monkeypatch.setattr(writes, "change_status", failing)
    report = retry(db, settings)
    assert report.filed.total() == 0 and len(report.unread) == 1
    assert b_sha not in stored_files(home)
    monkeypatch.setattr(writes, "change_status", real_change)

    report = retry(db, settings)
    assert report.filed[inquiry] == 1 and report.unread == []
    assert db.execute("SELECT count(*) FROM unread_mail").fetchone()[0] == 0
    rows = db.execute(
        "SELECT body, raw_sha256, verified FROM message WHERE role = 'agent' ORDER BY id"
    ).fetchall()
    assert [r[0].strip() for r in rows] == ["하나", "셋", "둘: 읽을 수 없는 답변"]
    assert [r[1] for r in rows] == [hashlib.sha256(delivered[n]).hexdigest() for n in (0, 2, 1)]
    assert all(r[2] == 1 for r in rows)
    assert b_sha in stored_files(home)
    assert db.execute("SELECT status FROM inquiry WHERE id = ?", (inquiry,)).fetchone()[0] == (
        "answered"
    )
    # Deleting the inquiry removes the originals with the attachments.
    history.delete([inquiry])
    assert stored_files(home) == []


def test_a_follow_up_waiting_in_the_outbox_is_sent_whatever_answers_arrive(run, smtp, imap):
    env = env_for(smtp, imap)
    inquiry, mid = send(run, env, "결제 오류", "결제가 안 돼요")
    with SmtpServer(mode="ssl", behaviour="451") as busy:
        result = run("reply", str(inquiry), "--body", "아직도 안 돼요", env=env_for(busy, imap))
        assert_one_line_error(result, 75)
    imap.append(answer(mid, body="확인 중입니다."))  # the desk answers meanwhile
    report = json.loads(run("sync", "--json", env=env).stdout)
    assert report["total"] == 1
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    assert record["status"] == "queued"  # the follow-up still waits: not `answered`
    assert [m["role"] for m in record["messages"]] == ["customer", "customer", "agent"]

    result = run("outbox", "send", str(inquiry), env=env)
    assert result.returncode == 0, result.stderr
    assert [m.message["Subject"] for m in smtp.wait_for(2)] == ["결제 오류", "Re: 결제 오류"]
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    assert record["status"] == "sent" and record["messages"][1]["delivery"] == "sent"


def test_a_follow_up_left_behind_an_answer_by_an_older_sync_is_still_sent(db, run, smtp):
    """A history from before issue 13: the answer made the inquiry `answered` while the
    follow-up waited. The outbox goes by each message's delivery, not by the status."""
    import seed

    from supportcli.store import outbox as queue
    from supportcli.store.db import now, transaction

    inquiry = seed.email(db, "payment", "결제 오류", "결제가 안 돼요")
    with transaction(db):
        db.execute("UPDATE email SET sent_at = ? WHERE inquiry_id = ?", (now(), inquiry))
    queue.add_follow_up(
        db, inquiry_id=inquiry, body="아직도 안 돼요", rfc_message_id="<f@x.example>", copies=[]
    )
    with transaction(db):
        db.execute("UPDATE inquiry SET status = 'answered' WHERE id = ?", (inquiry,))
    result = run("outbox", "send", env=smtp_env(smtp))
    assert result.returncode == 0, result.stderr
    (sent,) = smtp.wait_for(1)
    assert sent.message["Message-ID"] == "<f@x.example>"
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    assert record["status"] == "sent" and record["messages"][-1]["delivery"] == "sent"


def test_a_korean_folder_and_an_answer_over_the_size_limit(run, smtp, imap):
    from supportcli.mail.mailbox import folder_name

    folder = "고객센터/답장"
    env = env_for(smtp, imap, SUPPORT_IMAP_FOLDER=folder, SUPPORT_IMAP_MAX_MESSAGE_MB="0.05")
    inquiry, mid = send(run, env, "영수증", "영수증이 필요해요")
    big = answer(mid, body="영수증을 첨부했습니다.", attachment=("big.pdf", os.urandom(200_000)))
    imap.append(big, folder=folder_name(folder))
    assert folder_name(folder) in imap.folders()
    result = run("sync", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 1
    record = json.loads(run("show", str(inquiry), "--json").stdout)
    filed = record["messages"][-1]
    assert filed["body"].strip() == "영수증을 첨부했습니다."  # its text, read from its start
    assert any("imap.max_message_mb" in note for note in filed["meta"]["notes"])
    assert filed["raw"]["size"] <= 0.05 * 1024 * 1024 < len(big)  # never fetched past it
    kept = subprocess.run(
        [sys.executable, "-m", "supportcli", "show", str(inquiry), "--raw", "2"],
        capture_output=True,
        check=True,
    ).stdout
    assert big.startswith(kept)  # what was fetched, as it arrived


def test_any_date_is_shown_in_every_time_zone(db, monkeypatch, capsys):
    """An answer dated 31 Dec 9999 (a history filed before sync kept such dates out):
    show, list and export in the zones east and west of UTC. In-process, for speed; the
    commands' own path is the one the hostile-answers test runs under Asia/Seoul."""
    import io
    import time

    import seed

    from supportcli import history
    from supportcli.render import export, human
    from supportcli.store import writes

    inquiry = seed.email(db, "payment", "먼 미래", "본문")
    writes.add_message(
        db, inquiry_id=inquiry, role="agent", body="답변", at="9999-12-31T23:59:59.000000+00:00"
    )
    record = history.get(inquiry)
    try:
        for zone in ("Asia/Seoul", "Pacific/Kiritimati", "Etc/GMT+12"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            human.transcript(record)
            human.inquiry_table(history.list_inquiries(history.Filters()), 120)
            for fmt in export.FORMATS:
                export.write(iter([record]), fmt, io.StringIO())
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "9999-12-31" in capsys.readouterr().out


def test_an_absurd_date_header_is_kept_but_not_believed():
    from supportcli.mail.answers import _when

    assert _when("9999-12-31T23:59:59+00:00") != "9999-12-31T23:59:59+00:00"
    assert _when(None) and _when("not a date") and _when("1900-01-01T00:00:00+00:00")
    assert _when("2026-11-26T12:00:00+09:00") == "2026-11-26T03:00:00.000000+00:00"


def test_thread_references_skip_ids_no_server_would_take():
    from supportcli.mail.message import MAX_REFERENCES, thread_references

    ids = [
        "<a@x>",
        "<" + "y" * 2000 + "@x>",
        "<답변@x>",
        "<b c@x>",
        *[f"<{n}@x>" for n in range(20)],
    ]
    kept = thread_references(ids)
    assert kept[0] == "<a@x>" and kept[-1] == "<19@x>" and len(kept) == MAX_REFERENCES
    assert all(i.isascii() and len(i) < 250 and " " not in i for i in kept)


def test_folder_names_are_modified_utf7():
    from supportcli.mail.mailbox import folder_name

    # RFC 3501 section 5.1.3's own example, and a Korean name.
    assert folder_name("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert folder_name("받은편지함") == "&vBvHQNO4ycDVaA-"
    assert folder_name("A&B") == "A&-B" and folder_name("INBOX") == "INBOX"


def test_the_desk_is_desk_email_and_desk_answer_from(monkeypatch):
    from supportcli.config import Settings
    from supportcli.mail.answers import Desk

    monkeypatch.setenv("SUPPORT_DESK_EMAIL", "help@example.com")
    monkeypatch.setenv("SUPPORT_DESK_ANSWER_FROM", "noreply@example.net, @desk.example.org  cs.kr")
    desk = Desk.from_settings(Settings.load())
    for address in ("help@example.com", "noreply@example.net", "a@desk.example.org", "b@cs.kr"):
        assert desk.answered(address, sent_to=[]), address
    for address in ("help@example.com.evil", "x@example.net", "a@evil.desk.example.org", ""):
        assert not desk.answered(address, sent_to=["help@example.com"]), address
    # Neither set: the desk is where the inquiry was sent.
    nobody = Desk(frozenset(), frozenset())
    assert nobody.answered("help@example.com", sent_to=["Help@Example.com"])
    assert not nobody.answered("other@example.com", sent_to=["help@example.com"])


def test_an_original_at_a_terminal_is_shown_never_obeyed(db):
    """`show --raw N` into a pipe gives the bytes (the hostile-answers test); at a terminal
    an escape sequence in them (here one that would set the window title) is shown as ␛."""
    import pexpect
    import seed

    inquiry = seed.email(db, "payment", "환불", "본문")
    raw = handmade(f"<{inquiry}.test@example.com>", body="\x1b]0;owned\x07 답변")
    assert file_raw(db, raw, inquiry)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", "show", str(inquiry), "--raw", "2"],
        env=dict(os.environ),
        timeout=20,
        dimensions=(40, 110),
    )
    shown = child.read()
    child.close()
    assert child.exitstatus == 0
    assert "␛]0;owned".encode() in shown and b"\x1b]0;" not in shown
    assert "답변".encode() in shown
