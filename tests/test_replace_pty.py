"""Replacing an existing file at a terminal (issue 15): `export -o` and the chat's `/save`
ask first, in a real pseudo-terminal, and only a yes replaces the file."""

from __future__ import annotations

import json
import os
import sys

import pexpect
import pytest
import seed

DOWN = "\x1b[B"
ME = {
    "SUPPORT_USER_NAME": "김민수",
    "SUPPORT_USER_EMAIL": "minsu@example.com",
    "PROMPT_TOOLKIT_NO_CPR": "1",
}


def spawn(*args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "supportcli", *args],
        env={**os.environ, **ME},
        encoding="utf-8",
        timeout=20,
        # Wide enough that the prompt naming a temporary path (whose length varies with
        # pytest's folder numbering and xdist) is never wrapped across "Replace it?".
        dimensions=(24, 250),
    )


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


@pytest.mark.parametrize("answer", ["y", "n"])
def test_export_asks_before_replacing_a_file(db, tmp_path, answer):
    seed.chat(db, "account", [("customer", "비밀번호를 잊었어요")])
    db.close()
    target = tmp_path / "내보내기.json"
    target.write_text("keep me")
    child = spawn("export", "--format", "json", "-o", str(target))
    child.expect("exists. Replace it?")
    child.send(answer)  # a confirm takes the key itself, no Enter
    assert finish(child) == 0
    if answer == "y":
        assert json.loads(target.read_text())[0]["messages"][0]["body"] == "비밀번호를 잊었어요"
    else:
        assert target.read_text() == "keep me"


@pytest.mark.parametrize("answer", ["y", "n"])
def test_save_in_a_chat_asks_before_replacing_a_file(home, tmp_path, answer):
    target = tmp_path / "상담기록.md"
    target.write_text("keep me")
    child = spawn("chat")
    child.expect("What is this about")
    child.send(DOWN)  # account -> payment
    child.sendline("")
    child.expect("›")
    child.sendline("카드 결제가 계속 실패해요")
    child.expect("›")
    child.sendline(f"/save {target}")
    child.expect("exists. Replace it?")
    child.send(answer)
    child.expect("saved to" if answer == "y" else "Not saved")
    child.expect("›")
    child.sendline("/end solved 5")
    assert finish(child) == 0
    if answer == "y":
        assert "카드 결제가 계속 실패해요" in target.read_text()
    else:
        assert target.read_text() == "keep me"
