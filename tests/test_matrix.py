"""The live counsellor over Matrix, end to end: `support chat --agent matrix` in a pipe
against a real Synapse homeserver (tests/synapseserver.py), the counsellor played by the
test as a second Matrix client; then the history's rows."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from synapseserver import Person, SynapseServer, require_synapse

ROOT = Path(__file__).resolve().parent.parent


class Customer:
    """`support chat` in a pipe, kept open: lines in when the test says, output read as
    it comes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supportcli", "chat", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self.said: list[str] = []
        threading.Thread(target=self._pump, args=(self.process.stdout, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.process.stderr, False), daemon=True).start()

    def _pump(self, stream, out: bool) -> None:  # type: ignore[no-untyped-def]
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if out:
                self.out.put(line)
            else:
                self.err.append(line)

    def write(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        self.process.stdin.flush()

    def close_input(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    def expect(self, text: str, timeout: float = 20) -> float:
        """Wait for a stdout line holding `text`; the seconds it took."""
        started = time.monotonic()
        while True:
            left = started + timeout - time.monotonic()
            try:
                line = self.out.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(
                    f"no {text!r} within {timeout} s; stdout so far {self.said}; stderr {self.err}"
                ) from None
            self.said.append(line)
            if text in line:
                return time.monotonic() - started

    def finish(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout)
        time.sleep(0.1)  # the stderr pump's last lines
        return code


@pytest.fixture
def desk(synapse: SynapseServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Person]:
    """A customer account and a counsellor (the desk), with every setting the `matrix`
    agent reads; the counsellor, logged in, is what the test holds."""
    customer_id, password = synapse.new_user("hong")
    desk_id, desk_password = synapse.new_user("desk")
    for name, value in {
        "SUPPORT_USER_NAME": "홍길동",
        "SUPPORT_USER_EMAIL": "hong@example.com",
        "SUPPORT_USER_ACCOUNT": "A-1234",
        "SUPPORT_MATRIX_HOMESERVER": synapse.url,
        "SUPPORT_MATRIX_CA_FILE": synapse.ca_file,
        "SUPPORT_MATRIX_USER": customer_id,
        "SUPPORT_MATRIX_PASSWORD": password,
        "SUPPORT_MATRIX_DESK": desk_id,
    }.items():
        monkeypatch.setenv(name, value)
    counsellor = synapse.login(desk_id, desk_password)
    counsellor.set_display_name("김상담")
    yield counsellor
    counsellor.close()


def record(run, chat_id: int) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(run("show", str(chat_id), "--json", check=True).stdout)


def test_a_piped_chat_reaches_the_counsellor_and_back(desk: Person, run, engine: str) -> None:  # type: ignore[no-untyped-def]
    customer = Customer("--agent", "matrix", "--topic", "payment")
    customer.write("결제가 두 번 됐어요")
    room = desk.wait_invite()
    desk.join(room)
    said = desk.wait_messages(customer_user(), 2, room)
    assert said[1] == "결제가 두 번 됐어요"
    assert "Topic: payment" in said[0] and "홍길동 <hong@example.com>, account A-1234" in said[0]
    assert desk.room_name(room) == "#1 payment: 결제가 두 번 됐어요"
    desk.send(room, "확인해 보겠습니다 🙂\n잠시만요")
    customer.expect("확인해 보겠습니다 🙂")
    customer.write("/end solved 5")
    assert customer.finish() == 0, customer.err
    assert customer.err[-1] == "chat 1"
    chat = record(run, 1)
    assert chat["status"] == "resolved"
    roles = [(m["role"], m["body"]) for m in chat["messages"]]
    answer = ("agent", "확인해 보겠습니다 🙂\n잠시만요")
    assert roles[1:] == [("customer", "결제가 두 번 됐어요"), answer]
    assert roles[0][0] == "system" and "Topic: payment" in roles[0][1]
    assert chat["messages"][2]["meta"]["name"] == "김상담"
    assert chat["agent"] == "matrix"
    # Each line went out once, in order; the chat's end left the room.
    desk.sync()
    assert desk.messages_from(customer_user(), room) == said[:2]


def test_human_hands_a_kb_chat_over_with_its_transcript(desk: Person, run) -> None:  # type: ignore[no-untyped-def]
    customer = Customer("--topic", "payment")
    customer.write("결제가 두 번 됐어요")
    customer.expect("/email")  # the kb agent's answer ends with the email offer
    customer.write("/human")
    room = desk.wait_invite()
    desk.join(room)
    note = desk.wait_messages(customer_user(), 1, room)[0]
    assert "customer: 결제가 두 번 됐어요" in note
    assert "article shown: " in note and "https://" in note
    desk.send(room, "상담원입니다")
    customer.expect("상담원입니다")
    desk.leave(room)  # the counsellor closes: a piped chat ends by itself
    assert customer.finish() == 0, customer.err
    assert any("left the chat" in line for line in customer.err), customer.err
    assert customer.err[-1] == "chat 1"
    chat = record(run, 1)
    assert [m["role"] for m in chat["messages"]] == ["customer", "agent", "system", "agent"]
    assert chat["status"] == "unresolved"


def test_an_unreachable_homeserver_says_so_and_keeps_no_empty_chat(
    desk: Person,
    run,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from synapseserver import _free_port

    monkeypatch.setenv("SUPPORT_MATRIX_HOMESERVER", f"https://127.0.0.1:{_free_port()}")
    result = run("chat", "--agent", "matrix", input="안녕하세요\n")
    assert result.returncode == 1
    assert "cannot reach the Matrix homeserver" in result.stderr
    assert "support email" in result.stderr
    assert json.loads(run("list", "--json").stdout) == []


def test_plain_http_is_refused_for_a_remote_homeserver(desk: Person, run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORT_MATRIX_HOMESERVER", "http://matrix.example.com")
    result = run("chat", "--agent", "matrix", input="안녕하세요\n")
    assert result.returncode == 2
    assert "https://matrix.example.com" in result.stderr


def test_a_homeserver_restart_mid_chat_loses_and_repeats_nothing(
    monkeypatch: pytest.MonkeyPatch,
    run,  # type: ignore[no-untyped-def]
) -> None:
    require_synapse()
    with SynapseServer() as server:
        customer_id, password = server.new_user("hong")
        desk_id, desk_password = server.new_user("desk")
        for name, value in {
            "SUPPORT_USER_NAME": "홍길동",
            "SUPPORT_USER_EMAIL": "hong@example.com",
            "SUPPORT_MATRIX_HOMESERVER": server.url,
            "SUPPORT_MATRIX_CA_FILE": server.ca_file,
            "SUPPORT_MATRIX_USER": customer_id,
            "SUPPORT_MATRIX_PASSWORD": password,
            "SUPPORT_MATRIX_DESK": desk_id,
        }.items():
            monkeypatch.setenv(name, value)
        desk = server.login(desk_id, desk_password)
        customer = Customer("--agent", "matrix")
        customer.write("하나")
        room = desk.wait_invite()
        desk.join(room)
        assert desk.wait_messages(customer_id, 2, room)[1] == "하나"
        server.stop()
        customer.write("둘 (while the homeserver is down)")
        customer.write("셋")
        time.sleep(1.0)
        server.start()
        desk = server.login(desk_id, desk_password)  # a fresh client: its own sync
        said = desk.wait_messages(customer_id, 4, room, timeout=40)
        assert said[1:] == ["하나", "둘 (while the homeserver is down)", "셋"]
        desk.send(room, "다시 연결됐어요")
        customer.expect("다시 연결됐어요", timeout=40)
        customer.write("/end")
        assert customer.finish() == 0, customer.err
        assert any("reconnecting" in line for line in customer.err), customer.err
        desk.sync()
        assert desk.messages_from(customer_id, room)[1:] == said[1:]  # nothing twice


def customer_user() -> str:
    return os.environ["SUPPORT_MATRIX_USER"]


def test_wait_rings_when_the_counsellor_answers(desk: Person, run) -> None:  # type: ignore[no-untyped-def]
    customer = Customer("--agent", "matrix")
    customer.write("환불 문의입니다")
    room = desk.wait_invite()
    desk.join(room)
    desk.wait_messages(customer_user(), 2, room)
    customer.process.kill()  # the customer went away without a word
    customer.finish()
    waiting = subprocess.Popen(
        [sys.executable, "-m", "supportcli", "chat", "--wait", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    time.sleep(1.5)
    assert waiting.poll() is None  # nobody answered yet: it waits
    desk.send(room, "환불해 드렸습니다")
    out, err = waiting.communicate(timeout=20)
    assert waiting.returncode == 0, err
    assert out.decode().strip() == "환불해 드렸습니다"
    assert err.decode().splitlines()[-1] == "chat 1"
    chat = record(run, 1)
    assert [m["role"] for m in chat["messages"]] == ["system", "customer", "agent"]
    # Waiting again (`support wait` is `chat --wait`): the answer is there already, and
    # it is not filed twice.
    again = run("wait", "1")
    assert again.returncode == 0 and again.stdout.strip() == "환불해 드렸습니다"
    assert len(record(run, 1)["messages"]) == 3


def test_wait_refuses_a_chat_never_handed_over(desk: Person, run) -> None:  # type: ignore[no-untyped-def]
    run("chat", input="안녕하세요\n", check=True)
    result = run("chat", "--wait", "1")
    assert result.returncode == 2
    assert "never handed to a counsellor" in result.stderr


def test_list_says_who_the_chat_waits_on(desk: Person, run) -> None:  # type: ignore[no-untyped-def]
    customer = Customer("--agent", "matrix")
    customer.write("주문이 안 보여요")
    room = desk.wait_invite()
    desk.join(room)
    desk.wait_messages(customer_user(), 2, room)
    assert "you, " in run("list", check=True).stdout  # waiting on them
    desk.send(room, "주문 번호를 알려 주세요")
    customer.expect("주문 번호를 알려 주세요")
    listed = run("list", check=True).stdout
    assert "agent, " in listed and "open" in listed  # waiting on the customer
    customer.write("/end")
    assert customer.finish() == 0


def test_a_desk_room_alias_invites_its_members(
    synapse: SynapseServer,
    desk: Person,
    run,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    alias = f"desk-{os.getpid()}-{time.monotonic_ns()}"
    desk.create_room(alias)
    monkeypatch.setenv("SUPPORT_MATRIX_DESK", f"#{alias}:{synapse.server_name}")
    customer = Customer("--agent", "matrix")
    customer.write("상담 부탁드려요")
    room = desk.wait_invite()
    desk.join(room)
    assert desk.wait_messages(customer_user(), 2, room)[1] == "상담 부탁드려요"
    customer.write("/end")
    assert customer.finish() == 0, customer.err


def test_the_access_token_is_kept_in_the_keyring_not_a_file(
    desk: Person,
    run,
    monkeypatch,
    tmp_path,
    home,  # type: ignore[no-untyped-def]
) -> None:
    import vault

    for name, value in vault.env(tmp_path / "vault").items():
        monkeypatch.setenv(name, value)
    password = os.environ["SUPPORT_MATRIX_PASSWORD"]
    customer = Customer("--agent", "matrix")
    customer.write("첫 번째")
    room = desk.wait_invite()
    desk.join(room)
    desk.wait_messages(customer_user(), 2, room)
    customer.process.kill()
    customer.finish()
    kept = json.loads((tmp_path / "vault" / "vault.json").read_text())
    token_key = f"support-matrix-token/{customer_user()}"
    device, token = kept[token_key].split(" ")
    assert token.startswith("syt_")
    for path in home.rglob("*"):  # nowhere in SUPPORT_HOME: config, history, logs
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
            assert password.encode() not in path.read_bytes(), path
    # The next run needs no password: the kept token logs in on the chat's device.
    monkeypatch.delenv("SUPPORT_MATRIX_PASSWORD")
    customer = Customer("--resume", "1")
    customer.write("두 번째")
    assert desk.wait_messages(customer_user(), 3, room)[1:] == ["첫 번째", "두 번째"]
    customer.write("/end")
    assert customer.finish() == 0, customer.err


def test_a_resend_from_the_same_device_is_the_same_event(synapse: SynapseServer) -> None:
    """What exactly-once rests on: the homeserver answers a repeated transaction id from
    the same device, even under a new login (a resumed chat), with the first event."""
    from supportcli.chat.matrix.client import MatrixClient

    user_id, password = synapse.new_user("txn")
    first = MatrixClient(synapse.url, ca_file=synapse.ca_file)
    first.login(user_id, password, device_id="SUPPORTTEST")
    room = first.create_room("txn", invite=[])
    sent = first.send_text(room, "한 번만", txn="support-1")
    assert first.send_text(room, "한 번만", txn="support-1") == sent
    again = MatrixClient(synapse.url, ca_file=synapse.ca_file)
    again.login(user_id, password, device_id="SUPPORTTEST")
    assert again.send_text(room, "한 번만", txn="support-1") == sent
    other = MatrixClient(synapse.url, ca_file=synapse.ca_file)
    other.login(user_id, password, device_id="ELSEWHERE")
    assert other.send_text(room, "한 번만", txn="support-1") != sent
    for client in (first, again, other):
        client.close()


def test_the_homeserver_certificate_is_verified(synapse: SynapseServer) -> None:
    from supportcli.chat.matrix.client import MatrixClient, Unreachable

    client = MatrixClient(synapse.url)  # without chat.matrix.ca_file: an unknown CA
    with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
        client.login("@nobody:support.test", "x")
    client.close()


def test_a_wrong_password_is_one_line_and_no_chat(desk: Person, run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORT_MATRIX_PASSWORD", "not the password")
    result = run("chat", "--agent", "matrix", input="안녕하세요\n")
    assert result.returncode == 1
    assert "M_FORBIDDEN" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(run("list", "--json").stdout) == []


def test_missing_settings_are_named_before_a_chat_starts(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORT_USER_NAME", "홍길동")
    monkeypatch.setenv("SUPPORT_USER_EMAIL", "hong@example.com")
    result = run("chat", "--agent", "matrix", input="안녕하세요\n")
    assert result.returncode == 2
    assert "chat.matrix.homeserver is not set" in result.stderr
    assert json.loads(run("list", "--json").stdout) == []
    # /human in a chat without the settings: said, and the chat goes on.
    result = run("chat", input="결제가 두 번 됐어요\n/human\n환불은 언제 되나요\n")
    assert result.returncode == 0, result.stderr
    assert "chat.matrix.homeserver is not set" in result.stderr
    assert len(json.loads(run("show", "1", "--json").stdout)["messages"]) == 4


def test_resuming_an_ended_chat_hands_it_over_again(desk: Person, run) -> None:  # type: ignore[no-untyped-def]
    customer = Customer("--agent", "matrix")
    customer.write("첫 상담")
    first = desk.wait_invite()
    desk.join(first)
    desk.wait_messages(customer_user(), 2, first)
    customer.write("/end")
    assert customer.finish() == 0
    customer = Customer("--resume", "1")
    customer.write("다시 문의드려요")
    second = desk.wait_invite()
    assert second != first  # the first room was left at /end
    desk.join(second)
    note, line = desk.wait_messages(customer_user(), 2, second)
    assert "customer: 첫 상담" in note and line == "다시 문의드려요"
    desk.send(second, "네, 말씀하세요")
    customer.expect("네, 말씀하세요")
    customer.write("/end")
    assert customer.finish() == 0
