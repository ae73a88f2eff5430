"""The live counsellor at a terminal (pexpect): the waiting line, a reply within 2 s, the
typing indicator, Ctrl-C leaving the chat open, --resume showing what came meanwhile,
and kill -9 losing nothing."""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import pexpect
from synapseserver import Person
from test_matrix import customer_user, desk  # noqa: F401 - the fixture

REPLY_WITHIN_S = 2.0


def spawn(*args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", "chat", *args],
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 110),
    )


def messages(run) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    shown = json.loads(run("show", "1", "--json", check=True).stdout)
    return [(m["role"], m["body"]) for m in shown["messages"]]


def test_a_live_chat_at_a_terminal(desk: Person, run) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    child = spawn("--agent", "matrix", "--topic", "payment")
    child.expect("counsellors' queue")
    child.expect("Waiting for a counsellor: ")
    child.expect("you ›")
    child.sendline("카드 결제가 안 돼요")
    room = desk.wait_invite()
    desk.join(room)
    assert desk.wait_messages(customer_user(), 2, room)[1] == "카드 결제가 안 돼요"

    child.send("네")  # typing, not sent yet: the counsellor sees it
    assert typing_seen(desk, room, customer_user())
    child.sendline(" 기다릴게요")
    assert desk.wait_messages(customer_user(), 3, room)[2] == "네 기다릴게요"

    desk.typing(room)
    child.expect("counsellor is typing…")
    started = time.monotonic()
    desk.send(room, "확인해 드릴게요")
    child.expect("김상담")  # whose message it is: the counsellor's display name, then the text
    child.expect("확인해 드릴게요")
    assert time.monotonic() - started < REPLY_WITHIN_S
    child.expect("you ›")

    child.sendintr()  # Ctrl-C: the customer leaves; the chat stays open and waiting
    child.expect("chat 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert json.loads(run("show", "1", "--json").stdout)["status"] == "open"

    desk.send(room, "아직 계세요?")  # while the customer is away
    child = spawn("--resume", "1")
    child.expect("확인해 드릴게요")  # the transcript
    child.expect("아직 계세요?")  # and what came meanwhile
    child.expect("you ›")
    child.sendline("네 여기 있어요")
    deadline = time.monotonic() + 10
    while ("customer", "네 여기 있어요") not in messages(run):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)  # whether or not it went out, it is recorded
    child.close()

    child = spawn("--resume", "1")
    child.expect("you ›")
    said = desk.wait_messages(customer_user(), 4, room)
    assert said[1:] == ["카드 결제가 안 돼요", "네 기다릴게요", "네 여기 있어요"]  # each once
    child.sendline("/end")
    child.expect("Was your problem solved")
    child.send("y")
    child.expect("rate this chat")
    child.sendline("")
    child.expect("chat 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [role for role, _ in messages(run)] == [
        "system",
        "customer",
        "customer",
        "agent",
        "agent",
        "customer",
    ]
    desk.sync()
    assert desk.messages_from(customer_user(), room)[1:] == said[1:]


def test_no_homeserver_at_the_start_offers_the_help_center(desk: Person, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from synapseserver import _free_port

    monkeypatch.setenv("SUPPORT_MATRIX_HOMESERVER", f"https://127.0.0.1:{_free_port()}")
    child = spawn("--agent", "matrix", "--topic", "payment")
    child.expect("cannot reach the Matrix homeserver")
    child.expect("help-center agent answers instead")
    child.expect("you ›")
    child.sendline("결제가 두 번 됐어요")
    child.expect("/email")  # the kb agent answered, with its offer of an email
    child.expect("you ›")
    child.sendline("/end")
    child.expect("Was your problem solved")
    child.send("y")
    child.expect("rate this chat")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_wait_rings_the_bell_at_a_terminal(desk: Person, run) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from test_matrix import Customer

    customer = Customer("--agent", "matrix")
    customer.write("언제 답해 주시나요")
    room = desk.wait_invite()
    desk.join(room)
    desk.wait_messages(customer_user(), 2, room)
    customer.process.kill()
    customer.finish()
    child = spawn("--wait", "1")
    time.sleep(1.0)
    desk.send(room, "지금 답합니다")
    child.expect("지금 답합니다")
    child.expect("\a")
    child.expect("chat 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_counsellor_leaving_offers_email_at_a_terminal(desk: Person, run) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    child = spawn("--agent", "matrix", "--topic", "account")
    child.expect("you ›")
    child.sendline("비밀번호를 바꿀 수 없어요")
    room = desk.wait_invite()
    desk.join(room)
    desk.wait_messages(customer_user(), 2, room)
    desk.send(room, "이메일로 안내해 드릴게요")
    child.expect("이메일로 안내해 드릴게요")
    desk.leave(room)
    child.expect("left the chat")
    child.expect("/email continues it by email")
    child.sendline("여보세요?")
    child.expect("No counsellor is in this chat any more")
    child.sendline("/email")
    child.expect("draft #2")  # on to the email form, with the chat's transcript
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    shown = json.loads(run("show", "1", "--json").stdout)
    assert shown["status"] == "escalated"
    assert "여보세요?" not in [m["body"] for m in shown["messages"]]


def typing_seen(counsellor: Person, room: str, user: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        joined = counsellor.sync(timeout_ms=1000).get("rooms", {}).get("join", {})
        for event in joined.get(room, {}).get("ephemeral", {}).get("events", []):
            if event.get("type") == "m.typing" and user in event["content"]["user_ids"]:
                return True
    return False
