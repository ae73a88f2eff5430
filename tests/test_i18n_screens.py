"""The real program in Korean (LANG=ko_KR.UTF-8): --help and Click's errors, a chat, the
email composer and `config` at a terminal (pexpect), each screen Korean with no English
sentence; and what scripts read (JSON, exit codes, the last `chat N` line) unchanged.
The same flows in English are test_chat_pty.py, test_email_pty.py and test_cli.py, which
run under LANG=C.UTF-8 (conftest.py)."""

from __future__ import annotations

import json
import os
import re
import sys

import pexpect
import pytest
from mailtest import smtp_env, text_part
from rich.cells import cell_len
from smtpserver import SmtpServer

KO = {"LANG": "ko_KR.UTF-8"}
DOWN = "\x1b[B"
DONE = "\x1b\r"  # Esc, Enter ends a multi-line answer
# Three English words in a row: a sentence the catalog missed. Commands and addresses
# (`support chat --resume 1`, hong@example.com) never make three plain words.
SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[>=]|\r")


def english(screen: str) -> list[str]:
    found = SENTENCE.findall(ESCAPES.sub("", screen))
    return [text for text in found if not any(text in topic for topic in _untranslated_topics())]


def _untranslated_topics() -> list[str]:
    """topics.py belongs to branch i18n-store, which translates the topics' descriptions;
    until they are in the catalog, their English is not these screens' to judge. Once
    they are translated, this is empty and the check is whole."""
    from gettext import translation

    from supportcli.i18n import DOMAIN, LOCALE_DIR
    from supportcli.topics import TOPICS

    catalog = translation(DOMAIN, LOCALE_DIR, ["ko"])
    return [text for text in TOPICS.values() if catalog.gettext(text) == text]


def test_help_and_click_errors_in_korean(run):
    main = run("--help", env={**KO, "COLUMNS": "80"})
    assert main.returncode == 0
    for korean in ("사용법: support [OPTIONS] COMMAND", "옵션:", "명령어:", "이 도움말을 보여"):
        assert korean in main.stdout, main.stdout
    assert all(cell_len(line) <= 80 for line in main.stdout.splitlines()), main.stdout
    assert english(main.stdout) == [], english(main.stdout)

    email = run("email", "--help", env={**KO, "COLUMNS": "80"})
    for korean in (
        "고객센터에 보낼 이메일 문의를 작성하고",
        "--subject",
        "제목.",
        "예: support email",
    ):
        assert korean in email.stdout, email.stdout
    assert english(email.stdout) == [], english(email.stdout)

    missing = run("list", "--limit", env=KO)
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[-1] == "오류: 옵션 '--limit'에는 값이 필요합니다."
    argument = run("show", env=KO)
    assert argument.returncode == 2
    assert argument.stderr.splitlines() == [
        "사용법: support show [OPTIONS] {ID}",
        "도움말은 'support show -h'로 볼 수 있습니다.",
        "",
        "오류: 인수 'ID'가 없습니다.",
    ]


def test_what_scripts_read_does_not_change_with_the_language(run):
    identity = {"SUPPORT_USER_NAME": "홍길동", "SUPPORT_USER_EMAIL": "hong@example.com"}
    chat = run("chat", "--topic", "payment", input="결제가 두 번 됐어요\n/end solved 5\n",
               env={**KO, **identity})  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert chat.stderr.splitlines()[-1] == "chat 1"
    assert "중복 결제" in chat.stdout
    korean, english_json = (
        json.loads(run("show", "1", "--json", env=env).stdout) for env in (KO, {})
    )
    assert korean == english_json and korean["status"] == "resolved"
    assert [m["role"] for m in korean["messages"]] == ["customer", "agent"]
    bad = run("show", "abc", "--json", env=KO)
    assert bad.returncode == 2 and "올바른 정수가 아닙니다" in bad.stderr


def spawn(*args: str, env: dict[str, str], rows: int = 40, cols: int = 100) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", *args],
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", **KO, **env},
        encoding="utf-8",
        timeout=20,
        dimensions=(rows, cols),
    )


def test_a_chat_at_a_korean_terminal(run):
    child = spawn(
        "chat", env={"SUPPORT_USER_NAME": "홍길동", "SUPPORT_USER_EMAIL": "h@example.com"}
    )
    child.logfile_read = screen = _Screen()
    child.expect("무엇에 관한 상담인가요")
    child.expect("방향키로 선택")
    child.send(DOWN)  # account -> payment
    child.sendline("")
    child.expect("궁금한 점을 적어 주세요")
    child.expect("나 ›")
    child.sendline("결제가 두 번 됐어요")
    child.expect("상담원")
    child.expect("payment-double-charge")
    child.expect("나 ›")
    child.sendline("/help")
    child.expect("이 채팅을 이메일 문의로 전환해요")
    child.expect("나 ›")
    child.sendline("/end")
    child.expect("문제가 해결되었나요")
    child.send("y")
    child.expect("상담은 어떠셨나요")
    child.sendline("")
    child.expect("채팅 #1을 저장했습니다")
    child.expect("chat 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert english(screen.text) == [], english(screen.text)
    assert json.loads(run("show", "1", "--json").stdout)["rating"] == 5


@pytest.fixture
def srv():
    with SmtpServer(mode="ssl") as server:
        yield server


def test_the_email_composer_in_korean_sends(srv, run):
    child = spawn("email", env=smtp_env(srv), rows=60, cols=120)
    child.logfile_read = screen = _Screen()
    child.expect("문의 분야")
    child.sendline("")  # account
    child.expect("제목")
    child.sendline("결제 오류 문의")
    for question, text in (
        ("무슨 일이 있었나요", "어제 두 번 결제됐어요"),
        ("오류 메시지", "E-402"),
        ("이미 해 본 것", "앱 재시작"),
        ("사용 환경", "iPhone 15"),
    ):
        child.expect(question)
        child.expect("입력 완료")
        child.expect("›")
        child.send(text + DONE)
    child.expect("첨부할 파일")
    child.sendline("")
    for korean in (
        "검토",
        "보낸 사람",
        "받는 사람",
        "본문",
        "어떻게 할까요",
        "보내기",
        "임시 저장",
    ):
        child.expect(korean)
    child.sendline("")  # 보내기
    child.expect("문의 #1을 보냈습니다")
    child.expect("email 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, screen.text
    (got,) = srv.wait_for(1)
    assert got.message["Subject"] == "결제 오류 문의"
    assert "E-402" in text_part(got.message)
    assert json.loads(run("show", "1", "--json").stdout)["status"] == "sent"
    assert english(screen.text) == [], english(screen.text)


def test_config_in_korean_at_a_terminal(run):
    run("config", "set", "ui.language", "ko", env={"LANG": "C.UTF-8"}, check=True)
    # The setting wins over the locale.
    child = spawn("config", "show", env={"LANG": "C.UTF-8", "COLUMNS": "80"}, cols=80)
    child.logfile_read = screen = _Screen()
    child.expect(pexpect.EOF)
    lines = ESCAPES.sub("", screen.text).splitlines()
    assert lines[0].split()[:2] == ["설정", "값"], lines[0]
    assert any(line.split()[:3] == ["ui.language", "ko", "파일"] for line in lines), lines
    assert [line for line in lines if cell_len(line) > 80] == []
    wrong = spawn("config", "set", "smtp.port", "abc", env={})
    wrong.logfile_read = screen = _Screen()
    wrong.expect("smtp.port은 포트 번호여야 합니다\\('abc'는 쓸 수 없음\\)")
    wrong.expect(pexpect.EOF)
    wrong.close()
    assert wrong.exitstatus == 2
    child = spawn("config", "password", env={"SUPPORT_USER_EMAIL": "h@example.com"})
    child.logfile_read = screen
    child.expect("h@example.com의 SMTP 비밀번호")
    child.sendintr()  # cancelled: nothing stored
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert english(screen.text) == [], english(screen.text)


class _Screen:
    """What the child wrote, as pexpect's logfile_read."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, data: str) -> None:
        self.text += data

    def flush(self) -> None:
        pass
