"""Issue 16 for the store, mail and the top-level modules: their errors and notices come out
in Korean under a Korean locale and exactly as before in English; the Korean catalog
translates every message; nothing is translated once at import time and then kept."""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from supportcli import i18n
from supportcli.errors import NotOurDatabase, Queued, SupportError

TOP_LEVEL = ("account", "keychain", "outfile", "paths", "rescue", "topics", "addresses")
TOP_LEVEL += ("system", "signals", "history", "records")
PO = ROOT / "supportcli" / "locale" / "ko" / "LC_MESSAGES" / "support.po"
MINE = [
    *sorted((ROOT / "supportcli" / "mail").glob("*.py")),
    *sorted((ROOT / "supportcli" / "store").glob("*.py")),
    *(ROOT / "supportcli" / f"{name}.py" for name in TOP_LEVEL),
]
HANGUL = re.compile(r"[가-힣]")
ME = {
    "SUPPORT_USER_NAME": "Kim",
    "SUPPORT_USER_EMAIL": "kim@example.com",
    "SUPPORT_DESK_EMAIL": "help@example.com",
}


@pytest.fixture(params=["ko", "en"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The test once under SUPPORT_LANG=ko and once under SUPPORT_LANG=en."""
    monkeypatch.setenv("SUPPORT_LANG", request.param)
    i18n.reset()
    yield request.param
    monkeypatch.delenv("SUPPORT_LANG")
    i18n.reset()


def _message(exc: pytest.ExceptionInfo[SupportError]) -> str:
    return exc.value.message


def test_not_our_database(lang: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from supportcli.store.db import connect

    notes = home.parent / "notes.txt"
    notes.write_text("not a database, but a text file long enough to have a header" * 3)
    monkeypatch.setenv("SUPPORT_DB", str(notes))
    with pytest.raises(NotOurDatabase) as caught:
        connect()
    if lang == "ko":
        assert _message(caught) == (
            f"{notes}: support 문의 기록이 아닙니다 (SQLite 데이터베이스가 아님). "
            "건드리지 않았습니다"
        )
    else:
        assert _message(caught) == (
            f"{notes} is not a support history (not an SQLite database); left untouched"
        )


def test_history_folder_others_may_write_in(
    lang: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportcli.store.db import connect

    folder = home.parent / "open"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setenv("SUPPORT_DB", str(folder / "history.db"))
    with pytest.raises(SupportError) as caught:
        connect()
    expected = {
        "ko": f"문의 기록 폴더 {folder}: 그룹이나 다른 사용자가 쓸 수 있어 사용하지 않습니다 "
        f"(내용을 확인한 뒤 `chmod go-w {folder}` 명령을 실행하세요)",
        "en": f"the history folder {folder} is writable by group or others; refusing to use "
        f"it (run `chmod go-w {folder}` after checking what is in it)",
    }
    assert _message(caught) == expected[lang]


def test_damaged_history(lang: str, home: Path) -> None:
    """SQLite's own error on a file that is not a database, in our words."""
    import sqlite3

    from supportcli.store.db import describe

    garbage = home.parent / "garbage.db"
    garbage.write_bytes(b"\xff" * 8192)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        sqlite3.connect(garbage).execute("SELECT 1 FROM sqlite_master")
    expected = {
        "ko": "문의 기록 파일이 손상되었습니다 (온전한 SQLite 데이터베이스가 아닙니다)",
        "en": "the history file is damaged (it is not a complete SQLite database)",
    }
    assert describe(caught.value) == expected[lang]


def test_dead_smtp_server_queues_the_inquiry(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from supportcli.config import Settings
    from supportcli.mail import service

    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in {
        **ME,
        "SUPPORT_SMTP_HOST": "127.0.0.1",
        "SUPPORT_SMTP_PORT": str(port),
        "SUPPORT_SMTP_SECURITY": "none",
        "SUPPORT_SMTP_TIMEOUT": "3",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.load()
    composed = service.compose_flags(
        service.EmailRequest(subject="결제 오류", body="카드 결제가 안 돼요"), settings
    )
    with pytest.raises(Queued) as caught:
        service.submit(composed, draft=False, settings=settings)
    expected = {
        "ko": "1번 문의를 저장했지만 아직 보내지 못했습니다: 서버가 연결을 거부했습니다. "
        "보낼 편지함에서 기다립니다 (`support outbox send`)",
        "en": "inquiry #1 is saved but not sent yet: the server refused the connection; "
        "it waits in the outbox (`support outbox send`)",
    }
    assert _message(caught) == expected[lang]


def test_doctor_without_identity(lang: str) -> None:
    from supportcli.config import Settings
    from supportcli.mail import doctor

    first = doctor.run(Settings.load())[0]
    assert first.name == "identity"  # doctor --json keeps the English name for scripts
    assert first.as_json()["name"] == "identity"
    if lang == "ko":
        assert first.title == "내 정보"
        assert first.detail == "user.name과 user.email 중 설정되지 않은 것이 있습니다"
        assert first.fix == "`support login --name NAME --email ADDRESS`를 실행하세요"
    else:
        assert first.title == "identity"
        assert first.detail == "user.name and user.email are not both set"
        assert first.fix == "run `support login --name NAME --email ADDRESS`"


def test_doctor_refused_connection_fix(lang: str) -> None:
    """PORT_FIX is a module-level text (N_): translated when the failure happens."""
    from supportcli.mail import doctor

    failed = doctor._network_failure(ConnectionRefusedError(), "smtp")
    if lang == "ko":
        assert failed.detail == "연결이 거부되었습니다"
        assert failed.fix is not None and failed.fix.startswith("smtp.host, smtp.port")
    else:
        assert failed.detail == "connection refused"
        assert failed.fix is not None and failed.fix.startswith("check smtp.host, smtp.port")


def test_setup_bad_address(lang: str) -> None:
    from supportcli.errors import BadInput
    from supportcli.mail import setup

    with pytest.raises(BadInput) as caught:
        setup.find("kim.example.com")
    assert caught.value.message.startswith("--email: 'kim.example.com'")
    assert ("올바른 주소가 아닙니다" in caught.value.message) == (lang == "ko")
    assert ("is not a valid address" in caught.value.message) == (lang == "en")
    assert setup.source_label("preset") == {"ko": "내장 설정", "en": "bundled preset"}[lang]


def test_topics_stay_put_for_scripts(lang: str) -> None:
    from supportcli.topics import TOPICS, described

    assert TOPICS["other"] == "Anything else (그 밖의 문의)"  # topics --json
    expected = {"ko": "그 밖의 문의", "en": "Anything else (그 밖의 문의)"}
    assert described()["other"] == expected[lang]


def test_particles_agree_with_the_word_before_them() -> None:
    from supportcli.i18n import particles

    assert particles("문의을(를)") == "문의를"
    assert particles("답변을(를)") == "답변을"
    assert particles("3이(가)") == "3이"  # 삼
    assert particles("2이(가)") == "2가"  # 이
    assert particles("10은(는)") == "10은"  # 십
    assert particles("파일(으)로") == "파일로"
    assert particles("7(으)로") == "7로"  # 칠: ㄹ takes 로
    assert particles("6(으)로") == "6으로"  # 육
    assert particles("SMTP이(가)") == "SMTP가"  # 피
    assert particles("HTML은(는)") == "HTML은"  # 엘
    assert particles("…을(를)") == "…을(를)"  # cannot tell: both


# --- the catalog ---------------------------------------------------------------------------


def _catalog():  # type: ignore[no-untyped-def]
    from babel.messages.pofile import read_po

    with PO.open("rb") as handle:
        return read_po(handle, locale="ko")


def test_no_translation_at_import_time() -> None:
    """`_()` at module level would freeze the import-time language: module-level text is
    marked N_() and translated where it is used."""
    frozen = []
    for path in MINE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in ("_", "ngettext")
                ):
                    frozen.append(f"{path.name}:{inner.lineno}")
    assert frozen == []


def test_module_texts_follow_the_language_after_import() -> None:
    """Imported under English, then switched to Korean: the N_ texts come out Korean."""
    code = (
        "import os\n"
        "from supportcli import i18n, topics, account\n"
        "from supportcli.mail import doctor, sender, setup, providers\n"
        "os.environ['SUPPORT_LANG'] = 'ko'\n"
        "i18n.reset()\n"
        "_ = i18n._\n"
        "print(_(doctor.SETUP_FIX))\n"
        "print(_(sender.APP_PASSWORD_HINT))\n"
        "print(_(account.LABELS['user.name']))\n"
        "print(topics.described()['payment'])\n"
        "print(setup.source_label('mx'))\n"
        "print(_(providers.for_domain('gmail.com').login_hint))\n"
    )
    env = {**os.environ, "SUPPORT_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 6, done.stdout + done.stderr
    for line in lines:
        assert HANGUL.search(line), line
    assert lines[2] == "이름"
    assert "(Google refuses" not in lines[5]  # the Korean half alone
