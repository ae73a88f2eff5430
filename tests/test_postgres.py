"""A shared history on a real PostgreSQL server: what differs from SQLite.

The store's own suite (test_store, test_browse, parts of test_email) runs on both engines
through the `engine` fixture; this file covers what only a shared database has: several
machines, the schema we own, passwords, a server that goes away, and the outbox sent from
several places at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import vault
from conftest import assert_one_line_error
from mailtest import smtp_env
from schema_catalog import assert_same, postgres_catalog
from smtpserver import SmtpServer, free_port

from supportcli.mail.checks import CheckedFile
from supportcli.mail.outbox import Composed, record
from supportcli.store import db as dbmod
from supportcli.store.migrations import MIGRATIONS


@pytest.fixture
def shared(pg_server, monkeypatch) -> str:
    """A fresh database on the test server, named by SUPPORT_DB for this test."""
    url = pg_server.fresh_database()
    monkeypatch.setenv("SUPPORT_DB", url)
    dbmod._VERIFIED_URLS.clear()
    return url


def machine(tmp_path: Path, name: str) -> dict[str, str]:
    """Another computer sharing the history: its own SUPPORT_HOME (config, attachments)."""
    return {"SUPPORT_HOME": str(tmp_path / name)}


def ids(result) -> list[int]:
    assert result.returncode == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


def test_the_sqlite_path_never_imports_psycopg(run, tmp_path):
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['support', 'list']\n"
        "try:\n    runpy.run_module('supportcli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('psycopg' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr


def test_without_psycopg_a_postgres_url_is_one_clear_line(tmp_path):
    probe = (
        "import runpy, sys\n"
        "sys.modules['psycopg'] = None  # as if the extra were not installed\n"
        "sys.argv = ['support', 'list']\n"
        "runpy.run_module('supportcli', run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "SUPPORT_DB": "postgresql+psycopg://u@127.0.0.1:1/x"},
    )
    assert_one_line_error(done, 1)
    assert "pip install 'support[postgres]'" in done.stderr


def test_unsupported_scheme_is_refused(run):
    result = run("list", env={"SUPPORT_DB": "mysql://u@localhost/x"})
    assert_one_line_error(result, 1)
    assert "postgresql+psycopg://" in result.stderr


def test_two_machines_see_each_others_inquiries(run, shared, tmp_path):
    laptop, desktop = machine(tmp_path, "laptop"), machine(tmp_path, "desktop")
    run(
        "chat",
        "--topic",
        "payment",
        input="결제했는데 환불이 안 돼요\n",
        env={**laptop, "SUPPORT_USER_NAME": "홍길동", "SUPPORT_USER_EMAIL": "hong@example.com"},
        check=True,
    )
    run(
        "chat",
        "--topic",
        "account",
        input="I forgot my password\n",
        env={**desktop, "SUPPORT_USER_NAME": "Kim", "SUPPORT_USER_EMAIL": "kim@example.com"},
        check=True,
    )
    for env in (laptop, desktop):
        assert len(ids(run("list", "--json", env=env))) == 2
        assert len(ids(run("list", "--json", "--search", "결제", env=env))) == 1
        assert len(ids(run("list", "--json", "--search", "passw", env=env))) == 1
    exported = json.loads(run("export", env=desktop, check=True).stdout)
    assert {r["messages"][0]["body"] for r in exported} == {
        "결제했는데 환불이 안 돼요",
        "I forgot my password",
    }


def test_korean_fragments_and_word_prefixes_are_found(run, shared, db):
    from seed import chat, email

    refund = email(db, "payment", "환불요청", "지난달에 결제했는데 환불을 받고 싶어요.")
    invoice = email(db, "payment", "Invoices", "Où est ma facture? Café résumé")
    chat(db, "usage", [("customer", "앱이 꺼져요")])
    for query, expected in [
        ("결제", [refund]),
        ("결제했는데", [refund]),
        ("환불 결제", [refund]),
        ("invoice", [invoice]),
        ("cafe", [invoice]),  # diacritics folded, as on SQLite
        ("RESUME", [invoice]),
        ("결제 invoice", []),
    ]:
        assert ids(run("list", "--json", "--search", query)) == expected, query


def test_huge_and_strange_text_is_stored_whole_and_searchable(run, shared, db):
    from seed import chat

    body = "첫머리 " + " ".join(f"word{n}" for n in range(300_000)) + " " + "가" * 5000
    inquiry = chat(db, "usage", [("customer", body), ("customer", "x" * 10_000)])
    stored = json.loads(run("show", str(inquiry), "--json", check=True).stdout)
    assert stored["messages"][0]["body"] == body
    assert ids(run("list", "--json", "--search", "첫머리")) == [inquiry]
    assert ids(run("list", "--json", "--search", "word12")) == [inquiry]


def test_a_schema_with_another_programs_tables_is_left_untouched(run, pg_server, shared):
    name = shared.rsplit("/", 1)[1]
    with pg_server.admin(name) as admin:
        admin.execute("CREATE SCHEMA support AUTHORIZATION support")
        admin.execute("CREATE TABLE support.notes (body text)")
        admin.execute("INSERT INTO support.notes VALUES ('mine')")
    result = run("list")
    assert_one_line_error(result, 1)
    assert "another program" in result.stderr
    with pg_server.admin(name) as admin:
        tables = admin.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'support'"
        ).fetchall()
        assert tables == [("notes",)]


def test_other_schemas_in_the_database_are_not_ours_to_touch(run, pg_server, shared):
    name = shared.rsplit("/", 1)[1]
    with pg_server.admin(name) as admin:
        admin.execute("CREATE TABLE public.inquiry (id int, secret text)")
        admin.execute("INSERT INTO public.inquiry VALUES (1, 'theirs')")
    run(
        "chat",
        input="hello\n",
        env={"SUPPORT_USER_NAME": "a", "SUPPORT_USER_EMAIL": "a@b.c"},
        check=True,
    )
    with pg_server.admin(name) as admin:
        assert admin.execute("SELECT * FROM public.inquiry").fetchall() == [(1, "theirs")]
        assert admin.execute("SELECT count(*) FROM support.inquiry").fetchone() == (1,)


def test_a_newer_schema_is_refused(run, shared, pg_server):
    run("list", check=True)
    name = shared.rsplit("/", 1)[1]
    with pg_server.admin(name) as admin:
        admin.execute(
            "INSERT INTO support._support_migrations VALUES ('m999_future', '2030-01-01')"
        )
    result = run("list")
    assert_one_line_error(result, 1)
    assert "newer version" in result.stderr


def test_many_first_runs_at_once_migrate_once(shared, pg_server):
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "supportcli", "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    name = shared.rsplit("/", 1)[1]
    with pg_server.admin(name) as admin:
        names = [r[0] for r in admin.execute("SELECT name FROM support._support_migrations")]
    assert Counter(names) == Counter(name for name, _ in dbmod.MIGRATIONS)


def test_many_first_chats_at_once_import_the_help_center_once(shared, pg_server):
    """Several machines opening the help-center index of a fresh shared history at once:
    one imports the bundled articles, the others wait and find them (found by
    reliability/concurrency.py: a second importer died on kb_article's unique key)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "supportcli", "kb", "search", "환불", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err.decode()
        assert json.loads(out)  # every one found articles
    name = shared.rsplit("/", 1)[1]
    with pg_server.admin(name) as admin:
        counts = admin.execute(
            "SELECT count(*), count(DISTINCT key) FROM support.kb_article"
        ).fetchone()
    assert counts[0] == counts[1] == 34


def test_password_from_the_environment_and_never_shown(run, pg_server, shared, home):
    secret = quote(pg_server.password, safe="")
    without = shared.replace(f":{secret}@", "@")
    assert without != shared
    env = {"SUPPORT_DB": without}
    result = run("list", env=env)
    assert_one_line_error(result, 1)
    assert "refused the login" in result.stderr
    run("list", env={**env, "SUPPORT_DB_PASSWORD": pg_server.password}, check=True)
    run("list", env={**env, "PGPASSWORD": pg_server.password}, check=True)
    shown = run("config", "path", check=True).stdout
    assert secret not in shown and "***" in shown
    wrong = shared.replace(secret, "not-it")
    result = run("list", env={"SUPPORT_DB": wrong})
    assert_one_line_error(result, 1)
    assert "not-it" not in result.stderr and "refused the login" in result.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert pg_server.password.encode() not in path.read_bytes(), path


def test_an_unreachable_server_is_one_line_and_keeps_the_message(run, tmp_path):
    url = f"postgresql+psycopg://support:pw@127.0.0.1:{free_port()}/support"
    result = run("list", env={"SUPPORT_DB": url})
    assert_one_line_error(result, 1)
    assert "cannot reach" in result.stderr and ":pw@" not in result.stderr
    result = run(
        "chat",
        input="이 메시지는 잃어버리면 안 돼요\n",
        env={"SUPPORT_DB": url, "SUPPORT_USER_NAME": "a", "SUPPORT_USER_EMAIL": "a@b.c"},
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_a_server_that_dies_mid_chat_rescues_the_message(run, tmp_path):
    from pgserver import PgServer

    with PgServer() as doomed:
        env = {
            "SUPPORT_DB": doomed.url,
            "SUPPORT_USER_NAME": "a",
            "SUPPORT_USER_EMAIL": "a@b.c",
        }
        run("list", env=env, check=True)  # migrated
        proc = subprocess.Popen(
            [sys.executable, "-m", "supportcli", "chat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
        )
        proc.stdin.write("첫 메시지\n".encode())
        proc.stdin.flush()
        time.sleep(2)
        doomed.kill()
        out, err = proc.communicate("서버가 죽은 뒤의 메시지\n".encode(), timeout=60)
    text = err.decode()
    assert proc.returncode == 1, text
    assert "Traceback" not in text
    assert "cannot reach the shared history" in text and "kept in " in text
    rescued = Path(text.strip().rsplit("kept in ", 1)[1])
    try:
        assert rescued.read_text(encoding="utf-8") == "서버가 죽은 뒤의 메시지"
    finally:
        rescued.unlink()


def queued(db, n: int, tmp_path: Path, *, attach_every: int = 5) -> list[int]:
    made = []
    for k in range(n):
        files = []
        if k % attach_every == 0:
            path = tmp_path / f"첨부-{k}.bin"
            path.write_bytes(os.urandom(2000) + str(k).encode())
            files.append(CheckedFile(path, path.name, path.stat().st_size))
        composed = Composed(
            topic="payment",
            subject=f"문의 {k}",
            body=f"본문 {k}",
            sender="hong@example.com",
            to=["help@example.com"],
            files=files,
        )
        made.append(record(db, composed, status="queued"))
    return made


def test_an_attachment_recorded_on_one_machine_is_sent_from_another(
    run, shared, db, tmp_path, home
):
    (inquiry,) = queued(db, 1, tmp_path)
    (item,) = json.loads(run("show", str(inquiry), "--json", check=True).stdout)["attachments"]
    other = machine(tmp_path, "other")
    assert not (Path(other["SUPPORT_HOME"])).exists()
    with SmtpServer(mode="ssl") as srv:
        result = run("outbox", "send", env={**other, **smtp_env(srv)})
        assert result.returncode == 0, result.stderr
        (got,) = srv.wait_for(1)
    (part,) = list(got.message.iter_attachments())
    data = part.get_payload(decode=True)
    assert part.get_filename() == item["filename"]
    assert data == (tmp_path / item["filename"]).read_bytes()


def test_several_machines_writing_and_sending_at_once_send_each_inquiry_once(shared, db, tmp_path):
    """Four `outbox send` on four machines and two writers recording new inquiries,
    all at once: every inquiry reaches the server exactly once."""
    first = queued(db, 40, tmp_path)
    writer = tmp_path / "writer.py"
    writer.write_text(
        "import os, sys\n"
        "from supportcli.store.db import connect\n"
        "from supportcli.mail.outbox import Composed, record\n"
        "db = connect()\n"
        "for k in range(15):\n"
        "    record(db, Composed(topic='usage', subject=f'새 문의 {sys.argv[1]}-{k}', body='b',\n"
        "        sender='hong@example.com', to=['help@example.com']), status='queued')\n"
    )
    with SmtpServer(mode="ssl") as srv:
        env = {**os.environ, **smtp_env(srv, timeout=10)}
        procs = [
            subprocess.Popen(
                [sys.executable, str(writer), str(w)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for w in range(2)
        ]
        for m in range(4):
            for _round in range(2):
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "supportcli", "outbox", "send"],
                        env={**env, **machine(tmp_path, f"m{m}")},
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                    )
                )
        for proc in procs:
            _, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err.decode()
        # Whatever the writers added after the last sender looked: one more run.
        final = subprocess.run(
            [sys.executable, "-m", "supportcli", "outbox", "send"],
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert final.returncode == 0, final.stderr.decode()
        rows = dict(db.execute("SELECT id, status FROM inquiry").fetchall())
        assert len(rows) == 70 and set(rows.values()) == {"sent"}, Counter(rows.values())
        got = srv.wait_for(70)
        time.sleep(0.5)
        message_ids = Counter(m.message["Message-ID"] for m in srv.messages)
    assert len(message_ids) == 70 and max(message_ids.values()) == 1, message_ids.most_common(3)
    assert all(i in rows for i in first)
    assert len(got) == 70


@pytest.fixture(scope="module")
def declared(pg_server) -> dict[str, object]:
    """The catalog of the schema as SQLAlchemy builds it from models.py, in the schema
    `support` of a fresh database."""
    from sqlalchemy import create_engine

    from supportcli.store import models

    url = pg_server.fresh_database()
    engine = create_engine(url, connect_args={"options": "-c search_path=support"})
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE SCHEMA support")
        models.create_schema(connection)
    engine.dispose()
    return _catalog_of(url)


def _catalog_of(url: str) -> dict[str, object]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return postgres_catalog(conn.cursor())


def test_migrated_schema_is_exactly_the_one_models_declare(shared, db, declared):
    """As on SQLite (test_migrations): the catalogs of the migrated database and of the one
    SQLAlchemy builds from the models are equal: column types, identity and generated
    columns, defaults, every constraint's definition, every index's definition (GIN and
    partial ones included), sequences."""
    assert_same(_catalog_of(shared), declared)


@pytest.mark.parametrize("steps", range(1, len(MIGRATIONS)), ids=lambda n: MIGRATIONS[n - 1][0])
def test_every_older_schema_migrates_to_the_declared_one(shared, monkeypatch, declared, steps):
    monkeypatch.setattr(dbmod, "MIGRATIONS", MIGRATIONS[:steps])  # a release of that time
    old = dbmod.connect()
    stamp = "2026-01-02T03:04:05.000000+00:00"
    for status in ("sent", "answered"):
        old.execute(
            "INSERT INTO inquiry (channel, topic, subject, status, created_at, updated_at) "
            "VALUES ('email', 'payment', '환불 요청', ?, ?, ?)",
            (status, stamp, stamp),
        )
    old.close()
    monkeypatch.setattr(dbmod, "MIGRATIONS", MIGRATIONS)
    dbmod._VERIFIED_URLS.clear()  # as in a new process

    db = dbmod.connect()
    assert db.execute("SELECT count(*) FROM inquiry").fetchone()[0] == 2
    db.close()
    assert_same(_catalog_of(shared), declared)


def test_a_link_the_server_dropped_is_a_storage_error_not_psycopgs(shared, db):
    """Once psycopg has closed a link the server dropped, even opening a cursor raises:
    that too must reach the customer as the store's one clear error (a chat then keeps the
    line it could not store), never as psycopg's OperationalError."""
    from supportcli.errors import StorageError

    db._conn.close()  # what psycopg does itself when the server goes away
    assert db.closed
    with pytest.raises(StorageError):
        db.execute("SELECT 1")


def test_the_database_refuses_a_status_its_channel_does_not_have(shared, db):
    from supportcli.errors import StorageError

    sql = (
        "INSERT INTO inquiry (channel, topic, status, created_at, updated_at) "
        "VALUES (?, 'other', ?, 'now', 'now')"
    )
    db.execute(sql, ("email", "queued"))
    with pytest.raises(StorageError, match="inquiry_status_check"):
        db.execute(sql, ("email", "open"))


def test_the_database_password_can_live_in_the_keyring(run, pg_server, shared, tmp_path):
    secret = quote(pg_server.password, safe="")
    env = {
        "SUPPORT_DB": shared.replace(f":{secret}@", "@"),
        **vault.env(tmp_path / "vault"),
    }
    assert_one_line_error(run("list", env=env), 1)
    result = run("config", "password", "--db", input=pg_server.password + "\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "support@127.0.0.1" in result.stderr
    run("list", env=env, check=True)
    sqlite_only = run(
        "config", "password", "--db", input="x\n", env={"SUPPORT_DB": str(tmp_path / "h.db")}
    )
    assert_one_line_error(sqlite_only, 2)


def test_a_nul_in_a_chat_line_is_kept_as_a_replacement_character(run, shared):
    result = run(
        "chat",
        input="nul\x00byte 결제\n",
        env={"SUPPORT_USER_NAME": "a", "SUPPORT_USER_EMAIL": "a@b.c"},
    )
    assert result.returncode == 0, result.stderr
    (record,) = json.loads(run("export", check=True).stdout)
    assert record["messages"][0]["body"] == "nul\ufffdbyte 결제"


def test_export_in_batches_keeps_every_record_whole(run, shared, db):
    """On PostgreSQL records are completed 200 at a time: each keeps its own messages."""
    from supportcli.store import writes
    from supportcli.store.db import transaction

    with transaction(db):
        for n in range(450):
            inquiry = writes.create_inquiry(db, channel="chat", topic="usage", status="open")
            for k in range(n % 3 + 1):
                writes.add_message(db, inquiry_id=inquiry, role="customer", body=f"{inquiry}/{k}")
    lines = run("export", "--format", "jsonl", check=True).stdout.splitlines()
    assert len(lines) == 450
    for line in lines:
        record = json.loads(line)
        bodies = [m["body"] for m in record["messages"]]
        assert bodies == [f"{record['id']}/{k}" for k in range(len(bodies))] and bodies


def test_search_with_common_and_rare_words_finds_the_newest_matches(run, shared, db):
    """Both ways PostgreSQL's search runs: a word with over RARE index rows walks the
    inquiries newest first; a rare word drives the query from its few rows."""
    from supportcli.store import writes
    from supportcli.store.db import transaction
    from supportcli.store.reads import RARE

    made = {}
    with transaction(db):
        for n in range(RARE // 2 + 100):
            status = "sent" if n % 7 == 0 else "queued"
            inquiry = writes.create_inquiry(db, channel="email", topic="payment", status=status)
            words = "환불 요청" + (" invoice" if n % 50 == 0 else "")
            for k in range(3):
                writes.add_message(db, inquiry_id=inquiry, role="customer", body=f"{words} {k}")
            made[inquiry] = (status, words)
    newest = sorted(made, reverse=True)
    cases = [
        (["환불"], newest[:20]),
        (["환불", "--status", "sent"], [i for i in newest if made[i][0] == "sent"][:20]),
        (["환불 invoice"], [i for i in newest if "invoice" in made[i][1]][:20]),
        (["invoice", "-n", "0"], [i for i in newest if "invoice" in made[i][1]]),
        (["환불 없는말"], []),
    ]
    for args, expected in cases:
        result = run("list", "--json", "--search", *args)
        assert ids(result) == expected, args


def test_unlimited_results_come_in_pages_in_the_same_order(shared, db, monkeypatch):
    """psycopg hands over whole results, so an unlimited list or export is read a page at
    a time; pages must join up exactly, ties in created_at included."""
    from supportcli.store import reads, writes
    from supportcli.store.db import transaction

    with transaction(db):
        made = [
            writes.create_inquiry(db, channel="chat", topic="usage", status="open", subject="환불")
            for _ in range(30)
        ]
        db.execute(
            "UPDATE inquiry SET created_at = '2026-01-01T00:00:00.000000+00:00' WHERE id % 3 = 0"
        )
    expected = [
        row[0] for row in db.execute("SELECT id FROM inquiry ORDER BY created_at DESC, id DESC")
    ]
    monkeypatch.setattr(reads, "PAGE", 7)
    for filters in (reads.Filters(limit=0), reads.Filters(limit=0, search="환불")):
        assert [r.id for r in reads.iter_records(db, filters)] == expected
    assert sorted(expected) == made
