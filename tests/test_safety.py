"""Nothing `support` writes can be turned against its user (issue 15): files it writes,
spreadsheets, terminals, shared folders."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
import subprocess
import threading

import pytest
import seed
from conftest import assert_one_line_error

from supportcli.text import visible

ME = {
    "SUPPORT_USER_NAME": "김민수",
    "SUPPORT_USER_EMAIL": "minsu@example.com",
    "SUPPORT_DESK_EMAIL": "help@example.com",
}


def chat(run, lines):
    return run("chat", input="".join(f"{line}\n" for line in lines), env=ME)


# --- writing files: export -o and /save -------------------------------------------------


def test_export_never_replaces_an_existing_file_without_force(run, tmp_path):
    chat(run, ["결제가 계속 실패해요"])
    target = tmp_path / "mine.json"
    target.write_text("precious")
    assert_one_line_error(run("export", "-o", str(target)), 2)
    assert target.read_text() == "precious"
    result = run("export", "-o", str(target), "--force")
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))[0]["channel"] == "chat"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_export_refuses_a_symlink(run, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    for flags in ((), ("--force",)):
        result = run("export", "-o", str(link), *flags)
        assert_one_line_error(result, 2)
        assert "symbolic link" in result.stderr
    assert link.is_symlink() and victim.read_text() == "keep me"


def test_export_streams_into_a_fifo(run, tmp_path):
    chat(run, ["환불 받고 싶어요"])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("export", "--format", "jsonl", "-o", str(fifo), timeout=30)
    assert result.returncode == 0, result.stderr
    reader.join(10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(got[0].decode())["channel"] == "chat"


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_export_to_a_device_writes_into_it(run, tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    before = null.lstat()
    for flags in ((), ("--force",)):
        result = run("export", "-o", str(null), *flags)
        assert result.returncode == 0, result.stderr
        after = null.lstat()
        assert (after.st_mode, after.st_rdev, after.st_ino) == (
            before.st_mode,
            before.st_rdev,
            before.st_ino,
        )


def test_export_to_dev_stdout_is_standard_output(run):
    chat(run, ["앱이 계속 꺼져요"])
    result = run("export", "--format", "jsonl", "-o", "/dev/stdout")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[0])["channel"] == "chat"


def test_save_in_a_pipe_never_replaces_a_file(run, tmp_path):
    target = tmp_path / "기록.md"
    target.write_text("precious")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    result = chat(run, ["결제가 계속 실패해요", f"/save {target}", f"/save --force {link}"])
    assert result.returncode == 0, result.stderr
    assert target.read_text() == "precious"
    assert "--force" in result.stderr and "symbolic link" in result.stderr
    result = chat(run, ["환불해 주세요", f"/save --force {target}"])
    assert "환불해 주세요" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# --- spreadsheet-safe CSV -----------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_csv_cells_that_start_a_formula_are_made_inert(run, db):
    for formula in FORMULAS:
        seed.chat(db, "other", [("customer", formula)], subject=formula)
    seed.chat(db, "other", [("customer", "plain 평범한 text")], subject="plain")
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    by_body = {row["message_body"]: row for row in rows}
    for formula in FORMULAS:
        row = by_body["'" + formula]
        assert row["subject"] == "'" + formula
    assert "plain 평범한 text" in by_body
    raw = run("export", "--format", "csv", "--csv-raw").stdout
    raw_bodies = [row["message_body"] for row in csv.DictReader(io.StringIO(raw))]
    assert set(FORMULAS) <= set(raw_bodies)
    assert "--csv-raw" in run("export", "--help").stdout


# --- every byte that reaches a terminal is safe --------------------------------------------

HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m file\u202etxt.exe \u200bzw 👨\u200d👩\u200d👧"


def test_visible_shows_what_would_act_or_mislead():
    shown = visible(HOSTILE + "\n\tnext")
    assert not any(0x80 <= ord(c) <= 0x9F or ord(c) < 32 and c not in "\n\t" for c in shown)
    assert "␛[2J" in shown and "‹U+009B›" in shown
    assert "‹U+202E›" in shown and "‹U+200B›" in shown
    assert "👨\u200d👩\u200d👧" in shown  # a family emoji stays one
    assert visible("a\u200db") == "a‹U+200D›b"
    assert shown.endswith("\n\tnext")


def test_json_escapes_every_control_character_and_round_trips(run, db):
    inquiry = seed.chat(db, "other", [("customer", HOSTILE)], subject=HOSTILE)
    for args in (("show", str(inquiry), "--json"), ("export",), ("list", "--json")):
        out = run(*args, check=True).stdout
        assert not [c for c in out if 0x7F <= ord(c) <= 0x9F or c in "\x1b\u202e\u200b"], args
        data = json.loads(out)
        record = data if isinstance(data, dict) else data[0]
        assert record["subject"] == HOSTILE
    assert json.loads(run("export").stdout)[0]["messages"][0]["body"] == HOSTILE


def _at_terminal(*args):
    """Run support with standard output on a pseudo-terminal; what the terminal got."""
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.Popen(
        [sys.executable, "-m", "supportcli", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(follower)
    got = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        got += chunk
    done.wait(30)
    os.close(leader)
    return done.returncode, got.decode("utf-8", "replace")


def test_export_to_a_terminal_shows_escapes_instead_of_running_them(run, db):
    seed.chat(db, "other", [("customer", HOSTILE)], subject=HOSTILE)
    for fmt in ("markdown", "csv", "json"):
        code, shown = _at_terminal("export", "--format", fmt)
        assert code == 0
        assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown, fmt
    # Into a file or a pipe the text stays exactly as stored.
    assert HOSTILE in run("export", "--format", "markdown").stdout


def test_show_and_errors_never_pass_escapes(run, db):
    inquiry = seed.email(db, "payment", HOSTILE, HOSTILE, status="failed")
    db.execute("UPDATE email SET last_error = ? WHERE inquiry_id = ?", (HOSTILE, inquiry))
    db.commit()
    for args in (("show", str(inquiry)), ("list",), ("outbox",)):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x9b" not in result.stdout, args
        assert "\u202e" not in result.stdout, args


def test_error_messages_show_escapes_instead_of_running_them(run, tmp_path):
    result = run("export", "-o", str(tmp_path / "no\x1b[2J\x9bfolder" / "out.json"))
    assert_one_line_error(result, 1)
    assert "no␛[2J‹U+009B›folder" in result.stderr


# --- rendering is linear -----------------------------------------------------------------


def test_show_of_a_5_mb_body_is_fast(run, db):
    """It took 54 s (rich's wrapping is quadratic in a text's lines); now ~1.5 s. The bound
    leaves room for a loaded 2-core machine."""
    import time

    line = "결제가 실패했어요 payment failed, again 1234 \x1b[2J\n"
    body = line * (5_000_000 // len(line.encode()))
    inquiry = seed.email(db, "payment", "big", body + "x" * 500 + "\n" + "word " * 2000)
    started = time.perf_counter()
    result = run("show", str(inquiry), timeout=120)
    took = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("결제가 실패했어요 payment failed, again 1234 ␛[2J\n") == body.count(
        "\n"
    )
    assert "\x1b" not in result.stdout
    assert took < 20, took


# --- ids are never reused ----------------------------------------------------------------


def test_an_inquiry_id_is_never_reused_after_delete(run, engine):
    ids = [int(chat(run, [f"질문 {n}"]).stderr.split()[-1]) for n in range(3)]
    assert run("delete", str(ids[-1]), "--yes").returncode == 0
    again = int(chat(run, ["새 질문"]).stderr.split()[-1])
    assert again > ids[-1], (ids, again)


# --- private means private ---------------------------------------------------------------


@pytest.fixture(scope="module")
def stranger():
    """Another local user (created as root does in CI)."""
    import pwd
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("creating another user needs root")
    name = "supportstranger"
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--no-create-home", name], check=True)
    return pwd.getpwnam(name)


def test_a_history_folder_of_another_user_is_refused(run, home, stranger):
    home.mkdir(mode=0o700)
    os.chown(home, stranger.pw_uid, stranger.pw_gid)
    result = run("list")
    assert_one_line_error(result, 1)
    assert stranger.pw_name in result.stderr and "SUPPORT_HOME" in result.stderr
    assert not (home / "history.db").exists()


def test_a_config_file_of_another_user_is_refused(run, home, stranger):
    home.mkdir(mode=0o700)
    config = home / "config.toml"
    config.write_text('[desk]\nemail = "evil@example.com"\n')
    os.chown(config, stranger.pw_uid, stranger.pw_gid)
    result = run("config", "show")
    assert_one_line_error(result, 1)
    assert "config file" in result.stderr and stranger.pw_name in result.stderr


@pytest.mark.parametrize("where", ["home", "attachments", "history"])
def test_a_folder_others_may_write_is_refused(run, home, db, tmp_path, where):
    chat(run, ["hello there"])
    attach = tmp_path / "a.txt"
    attach.write_text("x")
    target = {
        "home": home,
        "attachments": home / "attachments",
        "history": home / "history.db",
    }[where]
    target.mkdir(mode=0o700, exist_ok=True) if where == "attachments" else None
    target.chmod(0o777 if target.is_dir() else 0o666)
    result = run(
        "email",
        "--subject",
        "s",
        "--body",
        "b",
        "--attach",
        str(attach),
        "--draft",
        env=ME,
    )
    assert_one_line_error(result, 1)
    assert "chmod go-w" in result.stderr, result.stderr
    # A folder others may only read is simply closed, as before.
    target.chmod(0o755 if target.is_dir() else 0o644)
    result = run(
        "email", "--subject", "s", "--body", "b", "--attach", str(attach), "--draft", env=ME
    )
    assert result.returncode == 0, result.stderr


def test_a_stored_attachment_copy_that_changed_is_never_sent(run, tmp_path):
    from mailtest import smtp_env
    from smtpserver import SmtpServer

    from supportcli.store.attachments import stored_path

    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 the real receipt")
    with SmtpServer(mode="ssl") as srv:
        env = smtp_env(srv)
        draft_id = draft(run, env, "s", "--attach", str(receipt))
        sha = json.loads(run("show", str(draft_id), "--json").stdout)["attachments"][0]["sha256"]
        stored_path(sha).write_bytes(b"%PDF-1.4 swapped by someone else")
        result = run("outbox", "send", str(draft_id), env=env)
        assert result.returncode == 1, result.stderr
        assert "SHA-256" in result.stderr and "receipt.pdf" in result.stderr
        assert srv.messages == []
    assert json.loads(run("show", str(draft_id), "--json").stdout)["status"] == "failed"


# --- the outbox tells the truth after a crash --------------------------------------------


def draft(run, env, subject="s", *extra):
    """A draft recorded by the real `support email --draft`; its inquiry id."""
    made = run("email", "--subject", subject, "--body", "b", *extra, "--draft", env=env)
    return int(made.stderr.strip().splitlines()[-1].split()[1])


def assert_reported_until_resent(run, srv, env, inquiry):
    """A claim left behind: `outbox send` says "may have been sent" and sends nothing,
    however often asked, until `--resend`, which sends it once."""
    for _ in range(2):
        result = run("outbox", "send", str(inquiry), env=env)
        assert result.returncode == 1, result.stderr
        assert "may have been sent" in result.stderr and "--resend" in result.stderr
        assert "already sent" not in result.stderr
    assert srv.messages == []
    result = run("outbox", "send", str(inquiry), "--resend", env=env)
    assert result.returncode == 0, result.stderr
    assert len(srv.wait_for(1)) == 1


def test_a_claim_left_by_a_killed_send_is_reported_as_may_have_been_sent(run, db):
    import socket
    import subprocess
    import sys

    from mailtest import smtp_env
    from smtpserver import SmtpServer

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that no longer exists: as after kill -9
    with SmtpServer(mode="ssl") as srv:
        env = smtp_env(srv)
        inquiry = draft(run, env)
        db.execute(
            "UPDATE email SET claimed_by = ?, claimed_at = '2026-01-01T00:00:00+00:00' "
            "WHERE inquiry_id = ?",
            (f"{socket.gethostname()}:{gone.pid}:dead", inquiry),
        )
        db.commit()
        assert_reported_until_resent(run, srv, env, inquiry)
    assert json.loads(run("show", str(inquiry), "--json").stdout)["status"] == "sent"


def test_a_claim_another_machine_left_behind_is_reported_never_taken_over(run, engine):
    from mailtest import smtp_env
    from smtpserver import SmtpServer

    from supportcli.store import db as dbmod

    with SmtpServer(mode="ssl") as srv:
        env = smtp_env(srv)
        inquiry = draft(run, env)

        def claimed_by_another_machine(at):
            history = dbmod.connect()
            with dbmod.transaction(history):
                history.execute(
                    "UPDATE email SET claimed_by = ?, claimed_at = ? WHERE inquiry_id = ?",
                    ("another-machine:4242:cafe", at, inquiry),
                )
            dbmod.close_all()

        # Renewed just now: that run is sending it, so this one leaves it alone.
        claimed_by_another_machine(dbmod.now())
        result = run("outbox", "send", str(inquiry), env=env)
        assert "being sent by another run" in result.stderr, result.stderr
        # Not renewed for hours: that run was killed or cut off while it held the claim.
        # Whether the server took it is unknown, so it is neither sent again nor sent.
        claimed_by_another_machine("2026-01-01T00:00:00.000000+00:00")
        assert_reported_until_resent(run, srv, env, inquiry)
    assert json.loads(run("show", str(inquiry), "--json").stdout)["status"] == "sent"


def test_a_long_run_renews_its_claims_and_skips_one_another_run_released(run, monkeypatch):
    from mailtest import smtp_env
    from smtpserver import SmtpServer

    from supportcli.config import Settings
    from supportcli.mail import delivery
    from supportcli.store import db as dbmod
    from supportcli.store import outbox as queue

    with SmtpServer(mode="ssl") as srv:
        env = smtp_env(srv)
        first, second = (draft(run, env, subject) for subject in "AB")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        # A run that goes on for hours: every send comes long after the claims were made.
        clock = iter(range(0, 10**6, 3600))
        monkeypatch.setattr(delivery, "_clock", lambda: next(clock))
        history = dbmod.connect()

        def after_each(result):
            if result.inquiry_id == first:  # meanwhile the user ran `--resend` elsewhere
                holder = queue.holders(history, [second])[second][0]
                queue.drop_claim(history, inquiry_id=second, holder=holder)

        results = delivery.send(history, [first, second], Settings.load(), progress=after_each)
        assert [r.status for r in results] == ["sent", "skipped"]
        assert "taken over" in (results[1].reason or "")
        (message,) = srv.wait_for(1)
        assert message.message["Subject"] == "A"
        claimed_at = history.execute(
            "SELECT claimed_at FROM email WHERE inquiry_id = ?", (first,)
        ).fetchone()[0]
        assert claimed_at is None  # released with its outcome


# --- settings are typed ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["timeout = inf", "timeout = nan", "timeout = -1", 'port = "x"', "port = 70000", "port = [1]"],
)
def test_a_bad_setting_in_the_file_is_refused_when_read(run, home, line):
    home.mkdir(mode=0o700)
    (home / "config.toml").write_text(f'[smtp]\nhost = "127.0.0.1"\n{line}\n')
    result = run(
        "email", "--subject", "s", "--body", "b", env={**ME, "SUPPORT_SMTP_PASSWORD": "pw"}
    )
    assert_one_line_error(result, 2)
    assert f"smtp.{line.split()[0]}" in result.stderr
    assert "support config set" in result.stderr
    assert json.loads(run("list", "--json").stdout) == []


def test_an_infinite_timeout_is_refused_from_the_environment_and_config_set(run):
    result = run("config", "set", "smtp.timeout", "inf")
    assert_one_line_error(result, 2)
    assert "smtp.timeout" in result.stderr
    result = run(
        "outbox",
        "send",
        env={
            "SUPPORT_SMTP_TIMEOUT": "1e309",
            "SUPPORT_SMTP_HOST": "127.0.0.1",
            "SUPPORT_SMTP_PASSWORD": "pw",
            **ME,
        },
    )
    assert_one_line_error(result, 2)
    assert "SUPPORT_SMTP_TIMEOUT" in result.stderr


# --- help-center folders -------------------------------------------------------------------

ARTICLE = """---
title: Zebra tokens {n}
topic: usage
language: en
link: https://help.example.com/zebra-{n}
keywords: zebratoken
---
Zebra tokens explained \x1b]52;c;ZXZpbA==\x07\x1b[2J here.
"""


def test_kb_dir_reads_only_small_regular_files_inside_it(run, tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "good.md").write_text(ARTICLE.format(n=1))
    (folder / "inside-link.md").symlink_to(folder / "good.md")
    outside = tmp_path / "outside.md"
    outside.write_text(ARTICLE.format(n=2))
    (folder / "outside.md").symlink_to(outside)
    os.mkfifo(folder / "fifo.md")
    (folder / "zero.md").symlink_to("/dev/zero")
    (folder / "big.md").write_text(ARTICLE.format(n=3) + "x" * 2_000_000)
    env = {"SUPPORT_KB_DIR": str(folder)}
    result = run("kb", "search", "zebratoken", "--json", env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    links = {hit["link"] for hit in json.loads(result.stdout)}
    assert links == {"https://help.example.com/zebra-1"}
    warnings = [line for line in result.stderr.splitlines() if "skipped" in line]
    assert len(warnings) == 4, result.stderr  # outside, fifo, zero, big: one line each
    shown = run("kb", "show", "good", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "␛" in shown.stdout


# --- extreme input is bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("show", "99999999999999999999"),
        ("show", "--", "-5"),
        ("delete", "99999999999999999999", "--yes"),
        ("close", "0"),
        ("outbox", "send", "99999999999999999999"),
        ("list", "--since", "9999-12-31T23:59:59-14:00"),
        ("list", "--until", "9999-12-31"),
        ("export", "--since", "0001-01-01T00:00:00+14:00"),
        ("list", "-n", "99999999999999999999"),
    ],
)
def test_extreme_ids_and_dates_are_bad_input(run, args):
    result = run(*args)
    assert_one_line_error(result, 2)
    assert "unexpected" not in result.stderr


def test_a_file_name_with_a_newline_or_rtl_override_shows_as_one_honest_line(run, db, tmp_path):
    from supportcli.store import attachments, writes

    inquiry = seed.email(db, "payment", "s", "b")
    source = tmp_path / "x"
    source.write_bytes(b"data")
    stored = attachments.keep_copy(source, filename="invoice\u202efdp.exe\nuser: admin")
    writes.add_attachment(db, inquiry_id=inquiry, message_id=None, stored=stored)
    db.commit()
    out = run("show", str(inquiry), check=True).stdout
    (line,) = [line for line in out.splitlines() if "invoice" in line]
    assert "invoice‹U+202E›fdp.exe␤user: admin" in line


@pytest.mark.skipif(os.geteuid() != 0, reason="as root every folder is 'ours'")
def test_a_shared_folder_like_tmp_is_never_chmodded(run, tmp_path):
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    result = run("list", env={"SUPPORT_DB": str(shared / "h.db")})
    assert_one_line_error(result, 1)
    assert "shared folder" in result.stderr and "chmod" not in result.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


# --- a full disk ------------------------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """A history on a small tmpfs, which is then filled to the last byte (needs root: the
    test mounts it)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        home = mount / "home"
        home.mkdir(mode=0o700)
        monkeypatch.setenv("SUPPORT_HOME", str(home))
        monkeypatch.delenv("SUPPORT_DB", raising=False)
        yield home
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder):
    with contextlib.suppress(OSError), (folder / "filler").open("wb") as out:
        while True:
            out.write(b"\0" * 65536)
            out.flush()


def test_reads_work_on_a_full_disk_and_a_write_says_why_it_failed(run, full_disk):
    from supportcli.store import db as dbmod

    history = dbmod.connect()
    first = seed.chat(history, "payment", [("customer", "환불 문의"), ("agent", "답변")])
    seed.chat(history, "account", [("customer", "비밀번호"), ("agent", "답변")])
    dbmod.close_all()
    fill(full_disk.parent)
    assert os.statvfs(full_disk).f_bavail == 0

    listed = run("list", check=True)
    assert "환불 문의" in listed.stdout or str(first) in listed.stdout
    assert "환불 문의" in run("show", str(first), check=True).stdout
    assert len(json.loads(run("export", "--format", "json", check=True).stdout)) == 2
    assert str(first) in run("list", "--search", "환불", check=True).stdout

    result = run("delete", str(first), "--yes")
    assert_one_line_error(result, 1)
    assert "disk is full" in result.stderr
    (full_disk.parent / "filler").unlink()
    assert run("delete", str(first), "--yes", check=True).returncode == 0


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_a_linked_file_beside_the_history_is_named_as_the_cause(run, db, home, tmp_path, suffix):
    seed.chat(db, "account", [("customer", "hello")])
    db.close()
    (home / f"history.db{suffix}").symlink_to(tmp_path / "theirs")
    result = run("list")
    assert_one_line_error(result, 1)
    assert f"history.db{suffix} is a symbolic link" in result.stderr
    assert "read-only" not in result.stderr
    assert not (tmp_path / "theirs").exists()
