"""support chat through pipes: lines in, answers out, every message in the history."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import assert_one_line_error

ME = {
    "SUPPORT_USER_NAME": "김민수",
    "SUPPORT_USER_EMAIL": "minsu@example.com",
    "SUPPORT_DESK_EMAIL": "help@example.com",
}


def chat(run, lines, *args, env=None):
    return run(
        "chat", *args, input="".join(f"{line}\n" for line in lines), env={**ME, **(env or {})}
    )


def chat_id(result):
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("chat ")
    return int(last.split()[1])


def record(run, inquiry_id):
    return json.loads(run("show", str(inquiry_id), "--json", check=True).stdout)


def test_korean_and_english_answers_cite_the_right_articles(run):
    result = chat(
        run,
        ["비번을 까먹었어요 어떻게 바꾸나요", "I was charged twice for my subscription this month"],
        "--topic",
        "account",
    )
    answers = result.stdout.split("\n\n")
    assert "https://help.example.com/ko/articles/account-password-reset" in result.stdout
    assert "https://help.example.com/en/articles/payment-double-charge" in result.stdout
    assert "비밀번호" in answers[0]
    rec = record(run, chat_id(result))
    assert [m["role"] for m in rec["messages"]] == ["customer", "agent", "customer", "agent"]
    assert rec["messages"][0]["body"] == "비번을 까먹었어요 어떻게 바꾸나요"
    assert rec["messages"][1]["meta"]["citations"][0]["link"].endswith("account-password-reset")
    assert rec["topic"] == "account"
    assert rec["status"] == "open"
    assert rec["subject"] == "비번을 까먹었어요 어떻게 바꾸나요"
    assert rec["messages"][3]["body"] in result.stdout


def test_no_good_answer_offers_email(run):
    result = chat(run, ["오늘 점심 메뉴 추천해 주세요"])
    assert "/email" in result.stdout
    assert "help.example.com" not in result.stdout
    rec = record(run, chat_id(result))
    assert rec["messages"][1]["meta"]["helpful"] is False


def test_identity_is_required_without_a_terminal(run):
    result = run("chat", input="hello\n", env={"SUPPORT_USER_EMAIL": "a@example.com"})
    assert_one_line_error(result, 2)
    assert "user.name" in result.stderr
    assert json.loads(run("list", "--json").stdout) == []


def test_end_with_verdict_and_rating(run):
    result = chat(run, ["환불 받으려면 어떻게 해야 하나요?", "/end solved 4", "never read"])
    rec = record(run, chat_id(result))
    assert rec["status"] == "resolved" and rec["rating"] == 4
    assert len(rec["messages"]) == 2
    rec = record(run, chat_id(chat(run, ["hello there", "/end"])))
    assert rec["status"] == "unresolved" and rec["rating"] is None


def test_save_writes_a_markdown_transcript(run, tmp_path):
    target = tmp_path / "상담 기록.md"
    result = chat(run, ["결제가 계속 실패해요", f"/save {target}"])
    text = target.read_text(encoding="utf-8")
    assert "결제가 계속 실패해요" in text
    assert "## agent" in text and "payment-failed" in text
    assert (target.stat().st_mode & 0o777) == 0o600
    assert chat_id(result)


def test_email_turns_the_chat_into_a_draft(run):
    result = chat(run, ["앱이 계속 꺼져요", "/email"])
    lines = result.stderr.strip().splitlines()
    assert lines[-2].startswith("email ")
    email_id = int(lines[-2].split()[1])
    chat_rec = record(run, chat_id(result))
    assert chat_rec["status"] == "escalated"
    draft = record(run, email_id)
    assert draft["channel"] == "email" and draft["status"] == "draft"
    assert draft["topic"] == chat_rec["topic"]
    body = draft["messages"][0]["body"]
    # A short transcript: the customer's lines; of the agent's turn, the article's title
    # and link, not its text.
    assert "Customer: 앱이 계속 꺼져요" in body
    (cited,) = chat_rec["messages"][1]["meta"]["citations"]
    assert f"  - {cited['title']} <{cited['link']}>" in body
    assert chat_rec["messages"][1]["body"] not in body and len(body.splitlines()) < 10
    assert draft["email"]["to"] == ["help@example.com"]
    assert draft["email"]["from"] == "김민수 <minsu@example.com>"
    assert draft["email"]["message_id"].endswith("@example.com>")
    assert draft["parent_id"] == chat_rec["id"]


def test_commands_and_literal_slashes(run):
    result = chat(run, ["/help", "/nonsense", "//etc/passwd 파일이 뭔가요"])
    assert "/save PATH" in result.stderr
    assert "Unknown command /nonsense" in result.stderr
    rec = record(run, chat_id(result))
    assert rec["messages"][0]["body"] == "/etc/passwd 파일이 뭔가요"
    assert len(rec["messages"]) == 2


def test_resume_continues_the_same_chat(run):
    first = chat_id(chat(run, ["구독 해지하고 싶어요"]))
    result = chat(run, ["환불도 받을 수 있나요?"], "--resume", str(first))
    assert chat_id(result) == first
    rec = record(run, first)
    assert [m["body"] for m in rec["messages"] if m["role"] == "customer"] == [
        "구독 해지하고 싶어요",
        "환불도 받을 수 있나요?",
    ]
    assert_one_line_error(chat(run, [], "--resume", "999"), 1)


def test_resume_refuses_an_email_inquiry(run):
    email_id = int(chat(run, ["앱이 꺼져요", "/email"]).stderr.strip().splitlines()[-2].split()[1])
    assert_one_line_error(chat(run, ["hi"], "--resume", str(email_id)), 2)


def test_invalid_utf8_is_refused_and_not_recorded(run):
    result = run("chat", input=b"good line\n\xff\xfe bad\n", env=ME)
    assert result.returncode == 2
    assert "UTF-8" in result.stderr and "Traceback" not in result.stderr
    chats = json.loads(run("export").stdout)
    assert [m["body"] for m in chats[0]["messages"] if m["role"] == "customer"] == ["good line"]


def test_unknown_agent(run):
    assert_one_line_error(chat(run, ["hi"], "--agent", "nobody"), 2)


def test_third_party_agent_through_an_entry_point(run, tmp_path):
    site = tmp_path / "site"
    (site / "echo_agent-1.0.dist-info").mkdir(parents=True)
    (site / "echo_agent-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: echo-agent\nVersion: 1.0\n"
    )
    (site / "echo_agent-1.0.dist-info" / "entry_points.txt").write_text(
        "[supportcli.agents]\necho = echo_agent:EchoAgent\n"
    )
    (site / "echo_agent.py").write_text(
        textwrap.dedent("""
        from supportcli.chat.agent import Answer
        class EchoAgent:
            name = "echo"
            def __init__(self, settings):
                pass
            def answer(self, conversation, *, topic):
                said = conversation[-1].body
                return Answer(iter(["you ", "said: ", said]))
    """)
    )
    env = {"PYTHONPATH": str(site)}
    result = chat(run, ["안녕 echo"], "--agent", "echo", env=env)
    assert "you said: 안녕 echo" in result.stdout
    rec = record(run, chat_id(result))
    assert rec["agent"] == "echo"
    assert rec["messages"][1]["body"] == "you said: 안녕 echo"


def test_extra_articles_from_kb_dir(run, tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "usage-gift-card-ko.md").write_text(
        textwrap.dedent("""\
        ---
        title: 기프트카드 등록하기
        topic: usage
        language: ko
        link: https://help.example.com/ko/articles/usage-gift-card
        keywords: 기프트카드, 상품권, 쿠폰, 등록
        ---
        기프트카드는 설정 > 결제 > 기프트카드 등록에서 16자리 번호를 입력해 등록합니다.
        """),
        encoding="utf-8",
    )
    result = chat(run, ["기프트카드 등록은 어디서 하나요?"], env={"SUPPORT_KB_DIR": str(folder)})
    assert "https://help.example.com/ko/articles/usage-gift-card" in result.stdout
    found = run("kb", "search", "상품권", "--json", env={"SUPPORT_KB_DIR": str(folder)})
    assert json.loads(found.stdout)[0]["slug"] == "usage-gift-card-ko"


def test_kb_search_and_show(run):
    hits = json.loads(run("kb", "search", "환불", "--json").stdout)
    assert hits[0]["slug"] == "payment-refund-ko"
    hits = json.loads(run("kb", "search", "charged", "twice", "--json").stdout)
    assert hits[0]["slug"] == "payment-double-charge-en"
    shown = run("kb", "show", "payment-refund-ko")
    assert shown.returncode == 0 and "환불" in shown.stdout
    assert_one_line_error(run("kb", "show", "nope"), 1)
    assert run("kb", "search", "zzzqqq").returncode == 1


def _spawn_chat(env):
    return subprocess.Popen(
        [sys.executable, "-m", "supportcli", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **ME, **env},
    )


def _read_answer(proc):
    """Read one printed answer: every kb answer's last paragraph offers /email."""
    lines = []
    while True:
        line = proc.stdout.readline()
        assert line, "the chat ended early"
        lines.append(line)
        if b"/email" in line:
            assert proc.stdout.readline() == b"\n"
            return b"".join(lines).decode()


@pytest.mark.parametrize("rounds", [1, 3])
def test_kill_9_between_messages_loses_nothing_on_screen(run, rounds):
    proc = _spawn_chat({})
    questions = ["결제가 계속 실패해요", "I want a refund", "비밀번호를 잊어버렸어요"][:rounds]
    shown = []
    for question in questions:
        proc.stdin.write(question.encode() + b"\n")
        proc.stdin.flush()
        shown.append(_read_answer(proc).strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    (rec,) = json.loads(run("export").stdout)
    bodies = [m["body"] for m in rec["messages"]]
    assert bodies[0::2] == questions
    assert [b.strip() for b in bodies[1::2]] == shown
    db = __import__("sqlite3").connect(os.environ["SUPPORT_HOME"] + "/history.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]
)
def test_signals_end_the_chat_cleanly(run, sig, code):
    proc = _spawn_chat({})
    proc.stdin.write("환불 받고 싶어요\n".encode())
    proc.stdin.flush()
    _read_answer(proc)
    time.sleep(0.2)  # now waiting for the next line
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == code, err
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1].startswith("chat ")
    (rec,) = json.loads(run("export").stdout)
    assert rec["status"] == "open" and len(rec["messages"]) == 2
