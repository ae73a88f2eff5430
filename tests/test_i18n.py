"""Korean first (issue 16), in process: the catalog is complete and compiled, every
user-facing literal is marked, the language is chosen in the documented order, Korean
particles agree, times read as Koreans write them, the tables fit at 60, 80 and 120
columns in Korean, and Typer's and Click's own messages are translated. The real program
in Korean, at a terminal and in pipes, is in test_i18n_screens.py."""

from __future__ import annotations

import ast
import importlib.util
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import seed
from rich.cells import cell_len
from rich.console import Console, Group

from supportcli import i18n
from supportcli.i18n import final_sound, particles

PACKAGE = Path(i18n.__file__).parent


def _catalog_tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("catalog", PACKAGE / "locale" / "catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_korean_catalog_is_complete_translated_and_compiled():
    """Every marked string is in ko.po with a Korean translation that keeps the msgid's
    placeholders, and the shipped .mo is compiled from that .po. A failure lists what
    to do: `python supportcli/locale/catalog.py`, then translate what it reports."""
    assert _catalog_tool().problems("ko") == []


# --- every user-facing literal is marked ---------------------------------------------------

# Calls whose text argument (or help=/hint=/epilog=/title= keyword) reaches a person.
SHOWN = {
    "print", "echo", "_say", "notice", "status", "plain", "confirm", "select", "text",
    "path", "password", "ask", "add_task", "Option", "Argument", "Typer", "command",
    "BadInput", "SupportError", "NotFound", "StorageError", "Queued", "Cancelled",
    "NoKeyring", "ArticleError", "NotOurDatabase", "Failed",
}  # fmt: skip
KEYWORDS = {"help", "hint", "epilog", "title", "message"}
# Literals that stay English on purpose: what scripts read (CONTRACT: the last `chat N` /
# `email N` line, `config path`'s labels, `--version`).
KEPT = {"chat {}", "email {}", "config: {}", "database: {}", "data: {}", "support {}"}
ENGLISH = re.compile(r"[A-Za-z]{2,}")
# A lowercase name (a command, a setting's key: "show", "chat.kb_dir") is not a sentence.
NAME = re.compile(r"[a-z0-9_.\-{}]+")
# Not scanned: the catalog tool (for developers) and the schema's SQL.
SKIPPED = ("locale/", "store/models.py")  # models: SQL in sqlalchemy.text()
NOT_YET_MERGED: tuple[str, ...] = ()


def _text_of(node: ast.expr) -> str | None:
    """A literal's text with each placeholder as {}; None for anything computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text_of(node.left), _text_of(node.right)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def _unmarked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        texts = [kw.value for kw in node.keywords if kw.arg in KEYWORDS]
        if name in SHOWN:
            texts += node.args[:1]
        for arg in texts:
            text = _text_of(arg)
            if not text or text in KEPT or NAME.fullmatch(text):
                continue
            if ENGLISH.search(text.replace("{}", "")):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {text!r}")
    return found


def test_every_user_facing_literal_is_marked_for_translation():
    sources = [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not str(path.relative_to(PACKAGE)).startswith(SKIPPED + NOT_YET_MERGED)
    ]
    assert len(sources) > 30
    assert [line for path in sources for line in _unmarked(path)] == []


def test_the_scan_finds_an_unmarked_literal(tmp_path):
    sample = PACKAGE / "cli" / "_scan_sample.py"
    sample.write_text(
        "import typer\nfrom supportcli.errors import BadInput\nfrom supportcli.i18n import _\n"
        'def f(x):\n    typer.echo(f"Sent {x} now")\n    raise BadInput(_("fine {x}"))\n'
        'opt = typer.Option(None, help="Not marked.")\nprint(f"chat {x}")\n',
        encoding="utf-8",
    )
    try:
        found = _unmarked(sample)
    finally:
        sample.unlink()
    assert sorted(line.split(": ", 1)[1] for line in found) == ["'Not marked.'", "'Sent {} now'"]


# --- which language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "config", "expected"),
    [
        ({}, None, "en"),
        ({"LANG": "ko_KR.UTF-8"}, None, "ko"),
        ({"LANG": "ko_KR.UTF-8", "LC_ALL": "C.UTF-8"}, None, "en"),  # LC_ALL first
        ({"LANG": "C.UTF-8", "LC_MESSAGES": "ko_KR.UTF-8"}, None, "ko"),
        ({"LANGUAGE": "ko:en"}, None, "ko"),
        ({"LANG": "C.UTF-8"}, "ko", "ko"),  # the setting over the locale
        ({"LANG": "ko_KR.UTF-8"}, "en", "en"),
        ({"LANG": "ko_KR.UTF-8"}, "auto", "ko"),  # auto: the locale's
        ({"LANG": "ko_KR.UTF-8", "SUPPORT_LANG": "en"}, "ko", "en"),  # env over the file
        ({"LANG": "ko_KR.UTF-8", "SUPPORT_LANG": "auto"}, "en", "en"),
    ],
)
def test_language_setting_then_env_then_the_posix_order(monkeypatch, home, env, config, expected):
    monkeypatch.delenv("LANG")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if config is not None:
        from supportcli.config import Settings

        Settings.load().set("ui.language", config)
    i18n.reset()
    try:
        assert i18n.language() == expected
    finally:
        i18n.reset()


def test_ui_language_is_a_checked_setting_shown_by_config_show(home):
    from supportcli.config import Settings
    from supportcli.errors import BadInput

    settings = Settings.load()
    assert settings.get("ui.language") == "auto"
    with pytest.raises(BadInput, match="auto, en, ko|auto, ko, en"):
        settings.set("ui.language", "fr")
    settings.set("ui.language", "ko")
    assert 'language = "ko"' in settings.path.read_text(encoding="utf-8")
    assert Settings.load().source("ui.language") == "file"


@pytest.fixture
def korean(monkeypatch):
    """This process speaks Korean until the test ends."""
    monkeypatch.setenv("SUPPORT_LANG", "ko")
    i18n.reset()
    yield
    monkeypatch.delenv("SUPPORT_LANG")
    i18n.reset()


# --- particles, times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "sound"),
    [
        ("문의", ""), ("답변", "*"), ("메일", "ㄹ"), ("#12", ""), ("#3", "*"), ("#10", "*"),
        ("#7", "ㄹ"), ("SMTP", ""), ("URL", "ㄹ"), ("Gmail", "ㄹ"), ("login", "*"),
        ("'보고서.pdf'", ""), ("(결제)", ""), ("…", None),
    ],
)  # fmt: skip
def test_final_sound_reads_hangul_digits_and_letters(word, sound):
    assert final_sound(word) == sound


def test_particles_agree_with_the_word_before_them():
    assert particles("문의 #12을(를) 보냈습니다.") == "문의 #12를 보냈습니다."
    assert particles("문의 #13을(를) 보냈습니다.") == "문의 #13을 보냈습니다."
    assert (
        particles("답변이(가) 왔고 메일(으)로 #6(으)로 파일(으)로")
        == "답변이 왔고 메일로 #6으로 파일로"
    )
    assert particles("SMTP은(는) 결제과(와) 상담과(와)") == "SMTP는 결제와 상담과"
    assert particles("…을(를)") == "…을(를)"  # nothing to judge by: both forms stay


def test_korean_times_and_relative_times(korean):
    from supportcli.text import shown_time

    now = datetime.now(UTC)
    ago = {
        timedelta(seconds=5): "방금",
        timedelta(minutes=3): "3분 전",
        timedelta(hours=5): "5시간 전",
        timedelta(hours=30): "어제",
        timedelta(days=3): "3일 전",
        timedelta(days=15): "2주 전",
    }
    for delta, said in ago.items():
        assert shown_time((now - delta).isoformat(), relative=True) == said
    stamp = datetime(2025, 9, 26, 13, 24).astimezone().isoformat()
    assert shown_time(stamp) == "2025년 9월 26일 13:24"
    assert shown_time(stamp, relative=True) == "2025년 9월 26일 13:24"  # past 8 weeks


def test_english_times_are_unchanged():
    from supportcli.text import local_time, shown_time

    stamp = datetime(2026, 11, 26, 13, 24).astimezone().isoformat()
    assert shown_time(stamp) == local_time(stamp) == "2026-11-26 13:24"
    yesterday = (datetime.now(UTC) - timedelta(hours=30)).isoformat()
    assert shown_time(yesterday, relative=True) == "1d ago"


# --- Korean tables at 60, 80 and 120 columns -------------------------------------------------

SUBJECT = "지난달 결제 금액이 두 번 청구되었어요 환불 부탁드립니다"


def _lines(renderable, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    out = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    out.print(Group(*renderable) if isinstance(renderable, list) else renderable)
    return out.file.getvalue().splitlines()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_korean_tables_fit_every_width(korean, db, width):
    from supportcli import history
    from supportcli.config import KEYS
    from supportcli.render import human
    from supportcli.store.reads import Filters
    from supportcli.topics import TOPICS

    seed.email(db, "payment", SUBJECT, "본문", status="queued")
    seed.chat(db, "account", [("customer", "비밀번호"), ("agent", "안내")], status="unresolved")
    db.commit()
    rows = history.list_inquiries(Filters(limit=20))
    shown = {
        "list": _lines(human.inquiry_table(rows, width), width),
        "topics": _lines(human.topics_table(TOPICS, width), width),
        "outbox": _lines(human.outbox_table(rows[1:], width), width),
        "config": _lines(
            human.settings_table(
                [(name, None, "default", key.env) for name, key in KEYS.items()],
                {"smtp.password": "not set"},
            ),
            width,
        ),
    }
    for name, lines in shown.items():
        assert all(cell_len(line) <= width for line in lines), (name, lines)
    header = shown["list"][0].split()
    assert {"ID", "상태", "마지막", "메시지", "제목"} <= set(header), header
    assert "미해결" in "\n".join(shown["list"]) and "상담원, 방금" in "\n".join(shown["list"])
    assert SUBJECT[:10] in "\n".join(shown["list"])
    assert "분야" in shown["topics"][0] and "…" not in "\n".join(shown["topics"])
    assert "발송 대기" in "\n".join(shown["outbox"]) and "받는 사람" in shown["outbox"][0]
    assert shown["config"][0].split()[:2] == ["설정", "값"] and "없음" in "\n".join(shown["config"])
    if width == 120:
        assert "분야" in header and "작성일" in header and "채널" in header


# --- Typer's and Click's own words -----------------------------------------------------------


def test_click_messages_read_back_into_our_msgids():
    """The English the patterns in cli/clicktext.py expect, as the installed Typer's copy
    of Click writes it: a Typer upgrade that rewords one fails here."""
    from typer._click import exceptions as click_errors

    from supportcli.cli.clicktext import PATTERNS

    def msgid_for(message: str) -> str:
        return next(msgid for pattern, msgid in PATTERNS if re.fullmatch(pattern, message, re.S))

    assert msgid_for(click_errors.NoSuchOption("--bogus").format_message()) == (
        "No such option: {name}"
    )
    missing = click_errors.MissingParameter(param_hint="'--subject'", param_type="option")
    assert msgid_for(missing.format_message()) == "Missing option {name}."
    bad = click_errors.BadParameter("'x' is not a valid integer.", param_hint="'--limit'")
    assert msgid_for(bad.format_message()) == "Invalid value for {name}: {problem}"
    assert msgid_for("Option '--limit' requires an argument.") == (
        "Option {name} requires an argument."
    )


def test_click_messages_in_korean(korean):
    from supportcli.cli.clicktext import translated

    assert translated("No such option: --bogus") == "없는 옵션입니다: --bogus"
    assert translated("Missing argument 'ID'.") == "인수 'ID'가 없습니다."
    assert translated("Invalid value for '--limit': 'x' is not a valid integer.") == (
        "'--limit'의 값이 올바르지 않습니다: 'x'는 올바른 정수가 아닙니다."
    )
    assert translated("Something Click never says.") == "Something Click never says."


def test_the_marshalled_catalog_is_the_mo_file_as_gettext_reads_it():
    """translation() loads support.marshal (no parse of the whole .mo at every start): it
    must answer every message, plural and context exactly as gettext reading the .mo."""
    import gettext

    folder = i18n.LOCALE_DIR / "ko" / "LC_MESSAGES"
    with open(folder / "support.mo", "rb") as mo:
        parsed = gettext.GNUTranslations(mo)
    fast = i18n._marshalled("ko")
    assert fast is not None
    assert fast._catalog == parsed._catalog  # type: ignore[attr-defined]
    for n in (0, 1, 2, 5, 11, 21, 101):
        assert fast.plural(n) == parsed.plural(n)  # type: ignore[attr-defined]
    assert fast.ngettext("{n} inquiry", "{n} inquiries", 3) == parsed.ngettext(
        "{n} inquiry", "{n} inquiries", 3
    )


def test_a_missing_or_broken_marshalled_catalog_falls_back_to_the_mo(tmp_path, monkeypatch):
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    real = i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "support.mo"
    (folder / "support.mo").write_bytes(real.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n._marshalled("ko") is None
    (folder / "support.marshal").write_bytes(b"\x00not marshal")
    assert i18n._marshalled("ko") is None
    monkeypatch.setenv("SUPPORT_LANG", "ko")
    i18n.reset()
    try:
        assert i18n._("card number") == "카드 번호"
    finally:
        monkeypatch.undo()
        i18n.reset()
