"""list / history, show, export and delete, end to end through the real command."""

from __future__ import annotations

import csv
import io
import json
import stat
import subprocess
import sys

import pytest
import seed
from conftest import assert_one_line_error
from rich.cells import cell_len

from supportcli.store import attachments, writes
from supportcli.store.db import transaction

# Every test here runs on SQLite and on PostgreSQL, unless marked sqlite_only.
pytestmark = pytest.mark.usefixtures("engine")

TRICKY = '첫 줄\n둘째 줄 😀 [red]not markup[/] <b>not html</b>\n\ttabbed  "quoted"'


@pytest.fixture
def history(db):
    ids = {
        "refund": seed.email(
            db, "payment", "환불요청 드립니다", "지난달에 결제했는데 환불을 받고 싶어요."
        ),
        "invoice": seed.email(
            db,
            "payment",
            "Missing INVOICE for October",
            "Hello, I can't find my invoice for the October payment.",
        ),
        "login": seed.chat(
            db,
            "account",
            [("customer", "비밀번호를 잊어버렸어요"), ("agent", "**비밀번호 재설정** 안내입니다.")],
            status="resolved",
        ),
        "tricky": seed.chat(db, "usage", [("customer", TRICKY)], subject="이모지 😀 제목"),
        "shipping": seed.email(
            db, "other", "배송 문의", "Where is my shipping update?", status="queued"
        ),
    }
    return ids


def ids_of(result):
    assert result.returncode == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


def test_list_newest_first_with_limit(run, history):
    assert ids_of(run("list", "--json")) == sorted(history.values(), reverse=True)
    assert ids_of(run("list", "-n", "2", "--json")) == sorted(history.values())[-1:-3:-1]
    assert ids_of(run("history", "--json")) == ids_of(run("list", "--json"))


def test_list_json_has_the_record_keys_without_messages(run, history):
    rows = json.loads(run("list", "--json").stdout)
    for row in rows:
        assert {
            "id",
            "channel",
            "topic",
            "subject",
            "status",
            "created_at",
            "updated_at",
            "email",
            "attachments",
        } <= set(row)
        assert "messages" not in row
        assert row["created_at"].endswith("+00:00")
    email = next(r for r in rows if r["id"] == history["refund"])["email"]
    assert email["to"] == ["help@example.com"] and email["attempts"] == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--channel", "chat"], ["tricky", "login"]),
        (["--channel", "email", "--status", "queued"], ["shipping"]),
        (["--topic", "payment"], ["invoice", "refund"]),
        (["--status", "resolved"], ["login"]),
    ],
)
def test_list_filters(run, history, args, expected):
    assert ids_of(run("list", "--json", *args)) == [history[name] for name in expected]


def test_since_and_until(run, history, db):
    db.execute(
        "UPDATE inquiry SET created_at = '2026-01-15T10:00:00.000000+00:00' WHERE id = ?",
        (history["refund"],),
    )
    assert ids_of(run("list", "--json", "--until", "2026-01-31")) == [history["refund"]]
    assert history["refund"] not in ids_of(run("list", "--json", "--since", "2026-02-01"))
    assert ids_of(
        run(
            "list",
            "--json",
            "--since",
            "2026-01-15T09:00:00+00:00",
            "--until",
            "2026-01-15T11:00:00Z",
        )
    ) == [history["refund"]]
    assert_one_line_error(run("list", "--since", "last tuesday"), 2)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("결제", ["refund"]),  # inside 결제했는데
        ("환불", ["refund"]),  # inside 환불요청 (subject) and 환불을 (message)
        ("환불요청", ["refund"]),
        ("invoice", ["invoice"]),
        ("INVOICE", ["invoice"]),  # case-insensitive
        ("Invoi", ["invoice"]),  # a word's beginning
        ("비밀번호", ["login"]),
        ("재설정", ["login"]),  # an agent's words count too
        ("배송 shipping", ["shipping"]),  # every word must match
        ("배송 invoice", []),
        ("없는말", []),
    ],
)
def test_search(run, history, query, expected):
    assert ids_of(run("list", "--json", "--search", query)) == [history[n] for n in expected]


@pytest.mark.sqlite_only
def test_search_uses_the_index_and_stops_early(db):
    plan = " ".join(
        row[3]
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT rowid FROM search_fts WHERE search_fts MATCH '\"환불\"' "
            "ORDER BY rowid DESC"
        )
    )
    assert "VIRTUAL TABLE INDEX" in plan and "TEMP B-TREE" not in plan, plan
    from supportcli.store.db import index_pending, transaction
    from supportcli.store.reads import Filters, list_rows

    with transaction(db):
        ids = [
            seed.chat(db, "payment", [("customer", f"환불 요청 {n}"), ("agent", "환불 안내")])
            for n in range(300)
        ]
    index_pending(db)  # as when the command that wrote them ends
    statements = []
    db.set_trace_callback(statements.append)
    rows = list_rows(db, Filters(search="환불", limit=5))
    db.set_trace_callback(None)
    assert [row.id for row in rows] == ids[::-1][:5]
    ours = [sql for sql in statements if not sql.startswith("--")]  # "--": FTS5's own
    assert len(ours) < 10, ours  # not one lookup per matching message


def test_search_index_follows_every_write(run, history, db):
    writes.update_inquiry(db, history["invoice"], subject="영수증 재발급")
    assert ids_of(run("list", "--json", "-q", "영수증")) == [history["invoice"]]
    assert ids_of(run("list", "--json", "-q", "october")) == [history["invoice"]]  # message
    run("delete", str(history["refund"]), "--yes", check=True)
    assert ids_of(run("list", "--json", "-q", "결제")) == []


@pytest.mark.parametrize("query", ["!!!", "😀", "  "])
def test_search_without_words_is_refused(run, history, query):
    assert_one_line_error(run("list", "-q", query), 2)


def test_show_renders_the_conversation_literally(run, history):
    result = run("show", str(history["tricky"]))
    assert result.returncode == 0, result.stderr
    assert "[red]not markup[/]" in result.stdout
    assert "둘째 줄 😀" in result.stdout
    login = run("show", str(history["login"])).stdout
    assert "비밀번호 재설정" in login and "**" not in login  # agent answers are Markdown


def test_show_json_round_trips_text_exactly(run, history):
    record = json.loads(run("show", str(history["tricky"]), "--json").stdout)
    assert record["messages"][0]["body"] == TRICKY
    assert record["subject"] == "이모지 😀 제목"
    assert record["messages"][0]["role"] == "customer"
    assert record["email"] is None and record["attachments"] == []


def test_export_formats(run, history, home, tmp_path):
    full = json.loads(run("export").stdout)
    assert [r["id"] for r in full] == sorted(history.values(), reverse=True)
    tricky = next(r for r in full if r["id"] == history["tricky"])
    assert tricky["messages"][0]["body"] == TRICKY

    lines = run("export", "--format", "jsonl", "--channel", "email").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [
        history["shipping"],
        history["invoice"],
        history["refund"],
    ]

    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    assert TRICKY in [row["message_body"] for row in rows]
    assert len(rows) == 6  # one row per message

    markdown = run("export", "--format", "markdown", "-q", "환불").stdout
    assert markdown.startswith("# 환불요청 드립니다")
    assert "결제했는데" in markdown

    target = tmp_path / "out" / "내보내기.json"
    target.parent.mkdir()
    result = run("export", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == full
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert_one_line_error(run("export", "--format", "xml"), 2)


def test_empty_export_is_valid_json(run):
    assert json.loads(run("export").stdout) == []
    assert run("export", "--format", "jsonl").stdout == ""


def test_table_fits_the_terminal_with_wide_korean_text(run, history, db):
    seed.email(db, "payment", "아주 긴 제목입니다 " * 12, "본문")
    result = run("list", env={"COLUMNS": "70"})
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert all(cell_len(line) <= 70 for line in lines), lines
    assert any("…" in line for line in lines)


def test_delete(run, history, db, home, tmp_path):
    source = tmp_path / "첨부.txt"
    source.write_text("attached")
    stored = attachments.keep_copy(source)
    writes.add_attachment(db, inquiry_id=history["refund"], message_id=None, stored=stored)
    copy = attachments.stored_path(stored.sha256)
    assert copy.exists()

    assert_one_line_error(run("delete", str(history["refund"])), 2)  # needs --yes
    assert_one_line_error(run("delete", str(history["refund"]), "999", "--yes"), 1)
    assert history["refund"] in ids_of(run("list", "--json"))  # nothing deleted

    result = run("delete", str(history["refund"]), str(history["login"]), "--yes")
    assert result.returncode == 0, result.stderr
    remaining = ids_of(run("list", "--json"))
    assert history["refund"] not in remaining and history["login"] not in remaining
    assert not copy.exists()
    assert (
        db.execute(
            "SELECT count(*) FROM message WHERE inquiry_id IN (?, ?)",
            (history["refund"], history["login"]),
        ).fetchone()[0]
        == 0
    )


@pytest.mark.sqlite_only
def test_export_streams_in_flat_memory(home, tmp_path, db):
    body = "환불 결제 invoice refund " * 100
    with transaction(db):
        for _ in range(3000):
            inquiry = writes.create_inquiry(db, channel="chat", topic="payment", status="open")
            for _ in range(4):
                writes.add_message(db, inquiry_id=inquiry, role="customer", body=body)
    # As when the writer's process ends: a 30 MB write-ahead log would be mapped by readers.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    peak = {}
    for limit in (300, 3000):
        probe = (
            "import resource, runpy, sys\n"
            f"sys.argv = ['support', 'export', '--format', 'jsonl', '-n', '{limit}', "
            f"'-o', {str(tmp_path / 'out.jsonl')!r}, '--force']\n"
            "try:\n    runpy.run_module('supportcli', run_name='__main__')\n"
            "finally:\n"
            "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        )
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        peak[limit] = int(done.stderr.strip().splitlines()[-1])
        lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == limit
    # 2,700 more records are over 35 MB of JSON; holding them would grow the process by at
    # least that. Streaming grows by nothing but noise (seen: up to 11 MB under load).
    assert (tmp_path / "out.jsonl").stat().st_size > 35_000_000
    assert peak[3000] - peak[300] < 20_000, peak


@pytest.mark.sqlite_only
def test_deleted_text_is_not_recoverable_from_the_files(run, db, home):
    for n in range(30):
        seed.chat(db, "usage", [("customer", f"filler {n} 일반 문장입니다")])
    secret = seed.email(db, "payment", "비밀제목 zqxjsubject", "zqxjsecret 뷁뷁뷁 secretword")
    run("delete", str(secret), "--yes", check=True)
    db.close()
    files = [p for p in home.iterdir() if p.name.startswith("history.db")]
    data = b"".join(p.read_bytes() for p in files)
    for word in ("zqxjsubject", "zqxjsecret", "secretword", "뷁뷁", "비밀제목"):
        assert word.encode() not in data, word
