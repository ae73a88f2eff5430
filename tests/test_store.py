"""The history file: private modes, WAL, refusing what is not ours, write locking."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import seed
from conftest import assert_one_line_error

from supportcli.store import attachments, reads, writes
from supportcli.store.db import connect


def test_new_history_is_private_wal_with_foreign_keys(db, home):
    os.umask(0o022)
    seed.chat(db, "account", [("customer", "hello")])
    history = home / "history.db"
    for path in (history, Path(f"{history}-wal"), Path(f"{history}-shm")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_foreign_keys_cascade(engine, db):
    inquiry = seed.chat(db, "account", [("customer", "a"), ("agent", "b")])
    writes.delete_inquiries(db, [inquiry])
    assert db.execute("SELECT count(*) FROM message").fetchone()[0] == 0


NOT_OURS = {
    "text": b"just some notes\nnot a database\n",
    "random": hashlib.sha512(b"seed").digest() * 50,
    "empty": b"",
}


@pytest.mark.parametrize("kind", [*NOT_OURS, "foreign-sqlite", "truncated"])
def test_refuses_what_is_not_ours_and_leaves_it_untouched(run, tmp_path, kind):
    target = tmp_path / f"{kind}.db"
    if kind == "foreign-sqlite":
        other = sqlite3.connect(target)
        other.execute("CREATE TABLE notes (body TEXT)")
        other.execute("INSERT INTO notes VALUES ('mine')")
        other.commit()
        other.close()
    elif kind == "truncated":
        target.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")
    else:
        target.write_bytes(NOT_OURS[kind])
    before = target.read_bytes()
    for command in (["list"], ["show", "1"], ["export"], ["delete", "1", "--yes"]):
        result = run(*command, env={"SUPPORT_DB": str(target)})
        assert_one_line_error(result, 1)
        assert str(target) in result.stderr
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(kind)) == [target.name]


def test_truncated_history_is_a_clear_error(run, home, db):
    seed.chat(db, "account", [("customer", "hello " * 2000)] * 20)
    db.close()
    history = home / "history.db"
    data = history.read_bytes()
    history.write_bytes(data[: len(data) // 3])  # truncated behind our back
    Path(f"{history}-wal").unlink(missing_ok=True)
    result = run("export")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(history) in result.stderr


def test_writers_in_parallel_never_see_database_is_locked(engine, home, tmp_path):
    """Four processes append at once; BEGIN IMMEDIATE makes them wait, not fail."""
    connect().close()
    script = tmp_path / "writer.py"
    script.write_text(
        "import sys\n"
        "from supportcli.store.db import connect, transaction\n"
        "from supportcli.store import writes\n"
        "db = connect()\n"
        "for n in range(60):\n"
        "    with transaction(db):\n"
        "        i = writes.create_inquiry(db, channel='chat', topic='usage', status='open')\n"
        "        db.execute('SELECT count(*) FROM message').fetchone()\n"
        "        writes.add_message(db, inquiry_id=i, role='customer', body=f'{sys.argv[1]}-{n}')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, str(script), str(k)], stderr=subprocess.PIPE)
        for k in range(4)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    db = connect()
    assert db.execute("SELECT count(*) FROM message").fetchone()[0] == 240


def test_attachment_is_a_private_copy(engine, db, home, tmp_path):
    original = tmp_path / "영수증 사진.png"
    original.write_bytes(b"\x89PNG first version")
    inquiry = seed.email(db, "payment", "영수증", "사진 첨부합니다")
    stored = attachments.keep_copy(original)
    writes.add_attachment(db, inquiry_id=inquiry, message_id=None, stored=stored)
    original.write_bytes(b"changed afterwards")
    original.unlink()
    record = reads.get_record(db, inquiry)
    (item,) = record.attachments
    assert item.filename == "영수증 사진.png"
    assert item.content_type == "image/png"
    assert item.size == len(b"\x89PNG first version")
    copy = attachments.stored_path(item.sha256)
    assert copy.read_bytes() == b"\x89PNG first version"
    assert copy.is_relative_to(home)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700


def test_driver_errors_leave_the_store_as_one_line_storage_errors(engine, db):
    from supportcli.errors import StorageFailure
    from supportcli.store.db import where

    with pytest.raises(StorageFailure) as info:
        db.execute("SELECT * FROM no_such_table")
    assert info.value.message.startswith(f"{where()}: ")
    assert "no_such_table" in info.value.reason and "\n" not in info.value.message


def test_the_store_keeps_its_secrets():
    """Outside store/: no SQL, no branch on the engine, no driver and its exceptions."""
    package = Path(__file__).resolve().parent.parent / "supportcli"
    found = []
    for path in sorted(package.rglob("*.py")):
        if "store" in path.relative_to(package).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for word in ("execute(", "is_postgres", "import sqlite3", "psycopg", "sqlite3."):
            if word in text:
                found.append(f"{path.relative_to(package)}: {word}")
    assert found == []


def test_one_connection_per_history_until_the_command_ends(engine, home):
    from supportcli.store.db import close_all

    first = connect()
    assert connect() is first and connect(conversation=True) is first
    close_all()
    assert first.closed
    second = connect()
    assert second is not first and not second.closed
    second.close()  # a connection closed by its holder is not handed out again
    third = connect()
    assert third is not second
    assert third.execute("SELECT count(*) FROM inquiry").fetchone()[0] == 0


def test_a_copy_deleted_while_it_is_being_attached_is_kept_again(engine, db, tmp_path):
    """Another process deleted the last inquiry holding the same file between our copy
    and our transaction: the attachment keeps its bytes."""
    original = tmp_path / "receipt.pdf"
    original.write_bytes(b"%PDF same bytes")
    first = seed.email(db, "payment", "a", "a")
    writes.add_attachment(
        db, inquiry_id=first, message_id=None, stored=attachments.keep_copy(original)
    )
    stored = attachments.keep_copy(original)  # the second inquiry's copy: the same file
    writes.delete_inquiries(db, [first])  # the other process's delete
    assert not attachments.stored_path(stored.sha256).exists()
    second = seed.email(db, "payment", "b", "b")
    writes.add_attachment(db, inquiry_id=second, message_id=None, stored=stored)
    assert attachments.stored_path(stored.sha256).read_bytes() == b"%PDF same bytes"


def test_a_copy_set_aside_just_after_it_was_checked_is_kept_again(
    engine, db, tmp_path, monkeypatch
):
    """The narrower window: our copy was there when the transaction checked it, and a
    delete elsewhere set it aside before its bytes were read for the shared blob (the
    PostgreSQL concurrency run's FileNotFoundError)."""
    if engine == "sqlite":
        pytest.skip("no shared blob to read; SQLite's write lock keeps a delete out of the window")
    original = tmp_path / "receipt.pdf"
    original.write_bytes(b"%PDF bytes read late")
    stored = attachments.keep_copy(original)
    checked = attachments.restore

    def checked_then_set_aside(item):  # type: ignore[no-untyped-def]
        checked(item)
        if not getattr(checked_then_set_aside, "done", False):
            checked_then_set_aside.done = True  # type: ignore[attr-defined]
            attachments.stored_path(item.sha256).unlink()

    monkeypatch.setattr(attachments, "restore", checked_then_set_aside)
    inquiry = seed.email(db, "payment", "a", "a")
    writes.add_attachment(db, inquiry_id=inquiry, message_id=None, stored=stored)
    assert attachments.stored_path(stored.sha256).read_bytes() == b"%PDF bytes read late"
    (item,) = reads.get_record(db, inquiry).attachments
    assert attachments.local_copy(db, item.sha256).read_bytes() == b"%PDF bytes read late"


def test_a_delete_that_fails_keeps_the_copies(db, tmp_path, monkeypatch):
    original = tmp_path / "photo.png"
    original.write_bytes(b"\x89PNG bytes")
    inquiry = seed.email(db, "payment", "a", "a")
    stored = attachments.keep_copy(original)
    writes.add_attachment(db, inquiry_id=inquiry, message_id=None, stored=stored)

    def fail(shas, moved):  # the copies are set aside, then the transaction fails
        set_aside(shas, moved)
        assert moved and not attachments.stored_path(stored.sha256).exists()
        raise OSError("disk gone")

    set_aside = attachments.set_aside
    monkeypatch.setattr(attachments, "set_aside", fail)
    with pytest.raises(OSError):
        writes.delete_inquiries(db, [inquiry])
    assert attachments.stored_path(stored.sha256).read_bytes() == b"\x89PNG bytes"
    assert reads.get_record(db, inquiry).attachments
