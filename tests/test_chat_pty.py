"""The interactive chat in a real pseudo-terminal: login, topic, two exchanges, /save,
/end with a rating; and Ctrl-C keeping everything."""

from __future__ import annotations

import json
import os
import sys

import pexpect
import pytest

DOWN = "\x1b[B"


def spawn(*args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", *args],
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", **(env or {})},
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 110),
    )
    return child


def test_interactive_chat_from_login_to_rating(run, home, tmp_path):
    transcript = tmp_path / "기록.md"
    child = spawn("chat")
    child.expect("이름")
    child.sendline("홍길동")
    child.expect("이메일")
    child.sendline("hong@example.com")
    child.expect("account id")
    child.sendline("acct-7")
    child.expect("What is this about")
    child.send(DOWN)  # account -> payment
    child.sendline("")
    child.expect("you ›")
    child.sendline("카드 결제가 계속 실패해요")
    child.expect("help.example.com/ko/articles/payment-failed")
    child.expect("you ›")
    child.sendline("I was charged twice this month")
    child.expect("help.example.com/en/articles/payment-double-charge")
    child.expect("you ›")
    child.sendline(f"/save {transcript}")
    child.expect("saved to")
    child.expect("you ›")
    child.sendline("/end")
    child.expect("Was your problem solved")
    child.send("n")  # a confirm takes the key itself, no Enter
    child.expect("rate this chat")
    child.send(DOWN)  # 5 -> 4
    child.sendline("")
    child.expect("chat 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    shown = json.loads(run("config", "show", "--json").stdout)
    assert (shown["user.name"], shown["user.email"], shown["user.account"]) == (
        "홍길동",
        "hong@example.com",
        "acct-7",
    )
    record = json.loads(run("show", "1", "--json").stdout)
    assert record["topic"] == "payment"
    assert record["status"] == "unresolved" and record["rating"] == 4
    assert [m["role"] for m in record["messages"]] == ["customer", "agent"] * 2
    assert record["messages"][2]["body"] == "I was charged twice this month"
    assert "카드 결제가 계속 실패해요" in transcript.read_text(encoding="utf-8")


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sighup"])
def test_interrupting_the_prompt_keeps_the_chat_open(run, how):
    env = {"SUPPORT_USER_NAME": "Kim", "SUPPORT_USER_EMAIL": "kim@example.com"}
    child = spawn("chat", "--topic", "account", env=env)
    child.expect("you ›")
    child.sendline("비밀번호를 잊어버렸어요")
    child.expect("account-password-reset")
    child.expect("you ›")
    child.send("반쯤 쓰다 만 메시지")
    if how == "ctrl-c":
        child.sendintr()
    else:
        child.kill(15 if how == "sigterm" else 1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == {"ctrl-c": 130, "sigterm": 143, "sighup": 129}[how]
    assert "Traceback" not in child.before
    record = json.loads(run("show", "1", "--json").stdout)
    assert record["status"] == "open"
    assert [m["body"] for m in record["messages"]][0] == "비밀번호를 잊어버렸어요"
    assert len(record["messages"]) == 2


def test_resume_shows_the_transcript_so_far(run):
    env = {"SUPPORT_USER_NAME": "Kim", "SUPPORT_USER_EMAIL": "kim@example.com"}
    run("chat", "--topic", "usage", input="앱이 자꾸 꺼져요\n", env=env, check=True)
    child = spawn("chat", "--resume", "1", env=env)
    child.expect("앱이 자꾸 꺼져요")
    child.expect("you ›")
    child.sendline("업데이트해도 똑같아요 앱이 꺼져요")
    child.expect("usage-app-crash")
    child.expect("you ›")
    child.sendeof()
    child.expect("Was your problem solved")
    child.send("y")
    child.expect("rate this chat")
    child.sendline("")
    child.expect(pexpect.EOF)
    record = json.loads(run("show", "1", "--json").stdout)
    assert len(record["messages"]) == 4 and record["status"] == "resolved"
