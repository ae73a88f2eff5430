"""support email and support outbox against a real SMTP server (aiosmtpd, TLS, AUTH)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import assert_one_line_error
from mailtest import secret_forms, smtp_env, text_part
from smtpserver import SmtpServer, free_port

BODY = (
    "/etc/passwd\n결제했는데 환불이 안 돼요.\n<script>alert(1)</script> [red]x[/] 😀\n"
    + "긴줄" * 600
)


@pytest.fixture
def server():
    servers = []

    def make(**kwargs):
        srv = SmtpServer(**{"mode": "ssl", **kwargs})
        srv.start()
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.stop()


def rec(run, inquiry_id):
    return json.loads(run("show", str(inquiry_id), "--json", check=True).stdout)


def email_id(result):
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("email "), result.stderr
    return int(line.split()[1])


def only_record(run):
    (record,) = json.loads(run("export").stdout)
    return record


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_send_korean_inquiry_with_attachments(engine, run, server, tmp_path, mode):
    srv = server(mode=mode)
    receipt = tmp_path / "영수증 사진.png"
    receipt.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(3000))
    notes = tmp_path / "notes.txt"
    notes.write_text("plain notes\n")
    body_file = tmp_path / "body.txt"
    body_file.write_text(BODY, encoding="utf-8")
    result = run(
        "email",
        "--subject",
        "환불 요청드립니다 (주문 #123)",
        "--topic",
        "payment",
        "--body-file",
        str(body_file),
        "--attach",
        str(receipt),
        "--attach",
        str(notes),
        "--cc",
        "김 비서 <secretary@example.com>",
        env=smtp_env(srv),
    )
    assert result.returncode == 0, result.stderr
    (got,) = srv.wait_for(1)
    msg = got.message
    assert msg["Subject"] == "환불 요청드립니다 (주문 #123)"
    assert "=?utf-8?" in got.data.decode("ascii", "replace").split("Subject:", 1)[1][:30].lower()
    assert msg["From"].addresses[0].addr_spec == "hong@example.com"
    assert msg["From"].addresses[0].display_name == "홍길동"
    assert [a.addr_spec for a in msg["To"].addresses] == ["help@example.com"]
    assert sorted(got.rcpt_tos) == ["help@example.com", "secretary@example.com"]
    assert text_part(msg) == BODY  # byte for byte
    names = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
    assert names["영수증 사진.png"] == receipt.read_bytes()
    assert names["notes.txt"].replace("\r\n", "\n") == "plain notes\n"
    assert len(names) == 2  # the body that looks like a path was not attached
    assert msg.get_body(("html",)) is None
    assert got.auth_login == "customer@example.com" and got.tls

    record = rec(run, email_id(result))
    assert record["status"] == "sent"
    assert record["email"]["sent_at"] and record["email"]["attempts"] == 1
    assert record["email"]["message_id"] == msg["Message-ID"]
    assert record["messages"][0]["body"] == BODY
    assert {a["filename"] for a in record["attachments"]} == {"영수증 사진.png", "notes.txt"}


def test_long_korean_subject_is_folded_and_decoded_intact(run, server):
    srv = server()
    subject = "결제 오류 문의입니다 카드로 결제했는데 두 번 청구되었고 환불을 요청합니다 " * 2
    result = run("email", "--subject", subject.strip(), "--body", "본문", env=smtp_env(srv))
    assert result.returncode == 0, result.stderr
    (got,) = srv.wait_for(1)
    assert got.message["Subject"] == subject.strip()
    assert max(len(line) for line in got.data.split(b"\r\n")) <= 78


def test_message_ids_are_unique_per_inquiry(run, server):
    srv = server()
    env = smtp_env(srv)
    for _ in range(2):
        run("email", "--subject", "same", "--body", "same", env=env, check=True)
    ids = [m.message["Message-ID"] for m in srv.wait_for(2)]
    assert len(set(ids)) == 2


@pytest.mark.parametrize("problem", ["untrusted", "wrong_host"])
def test_untrusted_certificate_gets_no_password(run, server, problem):
    srv = server(mode="starttls", **{problem: True})
    result = run("email", "--subject", "hi", "--body", "hello", env=smtp_env(srv))
    assert_one_line_error(result, 1)
    assert "certificate" in result.stderr
    assert not srv.auth_seen and srv.messages == []
    record = only_record(run)
    assert record["status"] == "failed" and "certificate" in record["email"]["last_error"]


def test_temporary_failure_is_queued_then_sent_once_with_its_message_id(engine, run, server):
    busy = server(behaviour="451")
    result = run("email", "--subject", "결제 오류", "--body", "결제가 안 돼요", env=smtp_env(busy))
    assert_one_line_error(result, 75)
    assert "451" in result.stderr
    record = only_record(run)
    assert record["status"] == "queued" and "451" in record["email"]["last_error"]
    first_id = record["email"]["message_id"]

    listed = json.loads(run("outbox", "--json").stdout)
    assert [row["id"] for row in listed] == [record["id"]]
    ok = server()
    result = run("outbox", "send", env=smtp_env(ok))
    assert result.returncode == 0, result.stderr
    (got,) = ok.wait_for(1)
    assert got.message["Message-ID"] == first_id
    assert only_record(run)["status"] == "sent"
    run("outbox", "send", env=smtp_env(ok), check=True)
    run("outbox", "send", str(record["id"]), env=smtp_env(ok))
    time.sleep(0.2)
    assert len(ok.messages) == 1  # sent is never sent again


@pytest.mark.parametrize(
    ("behaviour", "code", "status", "words"),
    [
        ("550", 1, "failed", "550"),
        ("554", 1, "failed", "554"),
        ("552", 1, "failed", "552"),
        ("452", 75, "queued", "452"),
        ("421", 75, "queued", "421"),
        ("535", 1, "failed", "app password"),
        ("disconnect_in_data", 75, "queued", "closed"),
    ],
)
def test_server_answers_decide_the_state(run, server, behaviour, code, status, words):
    srv = server(behaviour=behaviour)
    result = run("email", "--subject", "s", "--body", "b", env=smtp_env(srv))
    assert_one_line_error(result, code)
    assert words in result.stderr
    record = only_record(run)
    assert record["status"] == status
    assert record["messages"][0]["body"] == "b"


@pytest.mark.parametrize("behaviour", ["hang", "hang_after_data"])
def test_a_silent_server_times_out_into_the_outbox(run, server, behaviour):
    srv = server(behaviour=behaviour)
    started = time.monotonic()
    result = run("email", "--subject", "s", "--body", "b", env=smtp_env(srv, timeout=2))
    assert time.monotonic() - started < 2 * 3 + 5
    assert_one_line_error(result, 75)
    assert only_record(run)["status"] == "queued"


def test_refused_connection_is_queued(run, server):
    srv = server()
    env = {**smtp_env(srv), "SUPPORT_SMTP_PORT": str(free_port())}
    result = run("email", "--subject", "s", "--body", "b", env=env)
    assert_one_line_error(result, 75)
    assert "refused" in result.stderr


def test_some_recipients_refused_are_reported(run, server):
    srv = server(reject_rcpt={"gone@example.com"})
    result = run(
        "email", "--subject", "s", "--body", "b", "--cc", "gone@example.com", env=smtp_env(srv)
    )
    assert result.returncode == 0
    assert "refused gone@example.com" in result.stderr
    assert srv.wait_for(1)[0].rcpt_tos == ["help@example.com"]
    assert "gone@example.com" in only_record(run)["email"]["last_error"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--to", "not-an-address"], "--to"),
        (["--to", "a@example.com\nBcc: x@example.com"], "--to"),
        (["--cc", "=?UTF-8?Q?=0D=0ABcc:?= <a@example.com>"], "--cc"),
        (["--subject", "line\r\nBcc: x@example.com"], "--subject"),
        (["--subject", "=?UTF-8?Q?=0D=0ABcc:_x@example.com?="], "--subject"),
        (["--subject", "line\u2028separator"], "--subject"),
        (["--attach", "/nonexistent/file.pdf"], "--attach"),
        (["--attach", "/tmp"], "--attach"),
        (["--body", "  \n"], "--body"),
    ],
)
def test_bad_input_is_refused_before_anything_happens(run, server, args, field):
    srv = server()
    base = {"--subject": "s", "--body": "b"}
    flags = [x for k, v in base.items() if k not in args for x in (k, v)]
    result = run("email", *flags, *args, env=smtp_env(srv))
    assert_one_line_error(result, 2)
    assert field in result.stderr
    assert json.loads(run("list", "--json").stdout) == []
    assert srv.connections == 0


def test_attachment_limits(run, server, tmp_path):
    srv = server()
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(800_000))  # ~1.05 MB once encoded
    empty = tmp_path / "빈 파일.txt"
    empty.write_bytes(b"")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    env = {**smtp_env(srv), "SUPPORT_MAX_ATTACHMENT_MB": "1"}
    for path in (big, empty, fifo):
        result = run("email", "--subject", "s", "--body", "b", "--attach", str(path), env=env)
        assert_one_line_error(result, 2)
        assert "--attach" in result.stderr
    assert srv.connections == 0


def test_required_flags_without_a_terminal(run, server):
    env = smtp_env(server())
    assert "--subject" in run("email", "--body", "b", env=env).stderr
    result = run("email", "--subject", "s", env=env)
    assert_one_line_error(result, 2)
    assert "--body" in result.stderr


def test_body_from_stdin_and_invalid_utf8(run, server):
    srv = server()
    env = smtp_env(srv)
    result = run("email", "--subject", "s", "--body-file", "-", input="첫 줄\n둘째 줄\n", env=env)
    assert result.returncode == 0, result.stderr
    assert text_part(srv.wait_for(1)[0].message) == "첫 줄\n둘째 줄\n"
    result = run("email", "--subject", "s", "--body-file", "-", input=b"\xff\xfe", env=env)
    assert_one_line_error(result, 2)


def test_draft_then_outbox_send_by_id(engine, run, server):
    srv = server()
    env = smtp_env(srv)
    result = run("email", "--subject", "초안", "--body", "아직 쓰는 중", "--draft", env=env)
    assert result.returncode == 0
    draft_id = email_id(result)
    assert rec(run, draft_id)["status"] == "draft"
    run("outbox", "send", env=env, check=True)
    assert srv.connections == 0  # drafts are not sent without their id
    run("outbox", "send", str(draft_id), env=env, check=True)
    assert srv.wait_for(1)[0].message["Subject"] == "초안"
    assert rec(run, draft_id)["status"] == "sent"


def test_dry_run_prints_the_message_and_records_nothing(run, server):
    srv = server()
    result = run(
        "email", "--subject", "미리보기", "--body", "/etc/passwd", "--dry-run", env=smtp_env(srv)
    )
    assert result.returncode == 0
    assert "Message-ID: <" in result.stdout and "Content-Type: text/plain" in result.stdout
    assert "root:" not in result.stdout
    assert json.loads(run("list", "--json").stdout) == []
    assert srv.connections == 0


def test_from_chat_carries_the_transcript(engine, run, server):
    srv = server()
    env = smtp_env(srv)
    chat = run("chat", input="앱이 계속 꺼져요\n", env=env)
    chat_id = int(chat.stderr.strip().splitlines()[-1].split()[1])
    result = run("email", "--from-chat", str(chat_id), env=env)
    assert result.returncode == 0, result.stderr
    body = text_part(srv.wait_for(1)[0].message)
    assert "앱이 계속 꺼져요" in body
    assert rec(run, chat_id)["status"] == "escalated"
    assert rec(run, email_id(result))["subject"] == "앱이 계속 꺼져요"


def test_outbox_sends_many_over_one_connection(engine, run, server):
    down = server(behaviour="451")
    for n in range(5):
        run("email", "--subject", f"문의 {n}", "--body", f"본문 {n}", env=smtp_env(down))
    ok = server()
    result = run("outbox", "send", env=smtp_env(ok))
    assert result.returncode == 0, result.stderr
    assert len(ok.wait_for(5)) == 5 and ok.connections == 1
    assert {m.message["Subject"] for m in ok.messages} == {f"문의 {n}" for n in range(5)}


def test_two_outbox_runs_never_send_one_twice(engine, run, server):
    down = server(behaviour="451")
    for n in range(12):
        run("email", "--subject", f"q{n}", "--body", "b", env=smtp_env(down))
    ok = server()
    env = {**os.environ, **smtp_env(ok)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "supportcli", "outbox", "send"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        proc.communicate(timeout=60)
        assert proc.returncode == 0
    time.sleep(0.3)
    subjects = sorted(m.message["Subject"] for m in ok.messages)
    assert subjects == sorted(f"q{n}" for n in range(12))


@pytest.mark.parametrize("password", ["s3cret-pässword", "ascii-only-password"])
def test_the_password_is_in_no_file_and_no_output(run, server, home, password):
    srv = server(password=password)
    env = {**smtp_env(srv), "SUPPORT_SMTP_PASSWORD": password, "SUPPORT_SMTP_DEBUG": "1"}
    outputs = [
        run("email", "--subject", "s", "--body", "b", env=env),
        run("config", "show", env=env),
        run("config", "show", "--json", env=env),
        run("export", "-o", str(home / "export.json"), env=env),
    ]
    assert srv.wait_for(1)
    log = (home / "logs" / "smtp.log").read_text()
    assert "AUTH [credentials hidden]" in log and "MAIL FROM" in log.upper()
    for form in secret_forms(password):
        for result in outputs:
            assert form.decode("utf-8") not in result.stdout + result.stderr
        for path in home.rglob("*"):
            if path.is_file():
                assert form not in path.read_bytes(), path


def test_missing_mail_settings_refused_before_recording(run):
    env = {"SUPPORT_USER_EMAIL": "a@example.com", "SUPPORT_DESK_EMAIL": "d@example.com"}
    result = run("email", "--subject", "s", "--body", "b", env=env)
    assert_one_line_error(result, 2)
    assert "smtp.host" in result.stderr
    result = run(
        "email", "--subject", "s", "--body", "b", env={**env, "SUPPORT_SMTP_HOST": "127.0.0.1"}
    )
    assert_one_line_error(result, 2)
    assert "SUPPORT_SMTP_PASSWORD" in result.stderr
    assert json.loads(run("list", "--json").stdout) == []
    result = run("email", "--subject", "s", "--body", "b", "--draft", env=env)
    assert result.returncode == 0  # a draft needs no server


def test_internationalized_local_part_uses_smtputf8():
    from email import message_from_string, policy

    from supportcli.mail.message import Outgoing, render

    out = Outgoing(
        sender="홍길동 <hong@example.com>",
        to=["고객센터@예시.한국"],
        cc=[],
        subject="환불 문의",
        body="본문\n둘째 줄",
        message_id="<a@example.com>",
    )
    assert out.needs_smtputf8
    assert out.recipients == ["고객센터@" + "예시.한국".encode("idna").decode()]
    parsed = message_from_string(render(out).decode("utf-8"), policy=policy.default)
    assert parsed["Subject"] == "환불 문의"
    assert parsed["To"].addresses[0].username == "고객센터"
    assert parsed.get_body(("plain",)).get_payload(decode=True).decode() == "본문\n둘째 줄"


def test_korean_text_attachments_carry_their_charset(run, server, tmp_path):
    srv = server()
    korean = "결제 오류 기록\n두 번 결제되었습니다. 환불 부탁드립니다.\n"
    windows = tmp_path / "메모-cp949.txt"
    windows.write_bytes(korean.encode("cp949"))  # as Notepad on Korean Windows saves it
    utf8 = tmp_path / "메모-utf8.txt"
    utf8.write_bytes(korean.encode("utf-8"))
    binary = tmp_path / "dump.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01binary\x00" * 10)
    files = ["--attach", str(windows), "--attach", str(utf8), "--attach", str(binary)]
    result = run(
        "email", "--subject", "첨부 확인", "--body", "첨부합니다", *files, env=smtp_env(srv)
    )
    assert result.returncode == 0, result.stderr
    (got,) = srv.wait_for(1)
    parts = {p.get_filename(): p for p in got.message.iter_attachments()}
    assert parts["메모-cp949.txt"].get_content_charset() == "euc-kr"
    assert parts["메모-utf8.txt"].get_content_charset() == "utf-8"
    for name in ("메모-cp949.txt", "메모-utf8.txt"):
        assert parts[name].get_content_type() == "text/plain"
        assert parts[name].get_content().replace("\r\n", "\n") == korean
    assert parts["dump.txt"].get_content_type() == "application/octet-stream"
    assert parts["dump.txt"].get_content() == binary.read_bytes()
