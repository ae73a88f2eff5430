"""Time `support` as whole processes against its peer, and write the results as Markdown.

    python benchmarks/run.py                 # the full run: 100,000 inquiries / 1,000,000 messages
    python benchmarks/run.py --smoke         # 1,000 / 10,000, 1 warm-up + 3 runs, under a minute

Run it with the project's virtualenv (`/work/venv/bin/python benchmarks/run.py`): the
commit-latency and outbox targets import `supportcli` in-process. Every other target is a
whole process started with subprocess from a small fresh wrapper process, which takes the
wall time around it and its CPU time and peak memory (ru_maxrss) from `os.wait4`: that
child's own rusage, what `RUSAGE_CHILDREN` reports in a wrapper that ran only it. Each
target gets warm-up runs, then `--runs` measured runs alternating with its peer's run,
so that the ratio is paired: the median of support/peer per pair.

The peer is Simon Willison's `llm` in its own virtualenv (benchmarks/.peer-venv; the full
run installs it from PyPI when missing, --smoke skips it then), whose logs database is
filled by benchmarks/peer.py with the same text as the support history. The exit status
is non-zero only when something crashed, never for a missed goal.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_VENV = HERE / ".peer-venv"
PEER_PY = PEER_VENV / "bin" / "python"
PEER_LLM = PEER_VENV / "bin" / "llm"
SUPPORT = Path(sys.executable).parent / "support"
FULL = {"inquiries": 100_000, "messages": 1_000_000}
SMOKE = {"inquiries": 1_000, "messages": 10_000}
START = "<!-- results:start (written by benchmarks/run.py; edit outside these marks) -->"
END = "<!-- results:end -->"

sys.path.insert(0, str(HERE))


# ------------------------------------------------------------------ measuring processes


@dataclass
class Run:
    seconds: float
    maxrss_kib: int
    cpu: float = 0.0  # user + system seconds of the process


# A small, fresh process runs each measured one: Linux carries the exec'ing parent's peak
# RSS into the child's ru_maxrss, so spawning straight from this (larger) process would
# overstate the child's peak. The wrapper times the child itself, so its own start-up is
# not counted.
WRAPPER = r"""
import json, os, subprocess, sys, time
report, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
elapsed = time.perf_counter() - started
with open(report, "w") as fh:
    json.dump({"seconds": elapsed, "maxrss_kib": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime}, fh)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_process(argv: list[str], env: dict[str, str]) -> Run:
    """One whole process (stdout to /dev/null): wall time, CPU time and its own peak RSS,
    from wait4 in a fresh wrapper process. Raises when it fails."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as report:
        code = subprocess.call(
            [sys.executable, "-S", "-c", WRAPPER, report.name, *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        if code != 0:
            errors.seek(0)
            text = errors.read().decode(errors="replace").strip()
            if len(text) > 1500:
                text = f"{text[:700]} [...] {text[-700:]}"
            raise RuntimeError(f"{' '.join(argv)} exited {code}; its stderr: {text!r}")
        return Run(**json.loads(report.read()))


@dataclass
class Result:
    name: str
    goal: str
    support: list[Run] = field(default_factory=list)
    peer: list[Run] = field(default_factory=list)
    peer_name: str = ""
    unit: str = "time"  # time | memory | latency | throughput
    value: str = ""  # preformatted support figure (latency, memory)
    peer_value: str = ""
    ratio: float | None = None
    cpu_ratio: float | None = None  # paired median of CPU-time ratios, less sensitive to load
    passed: bool | None = None
    note: str = ""
    error: str = ""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def paired(
    result: Result,
    support_argv: list[str],
    support_env: dict[str, str],
    peer_argv: list[str] | None,
    peer_env: dict[str, str] | None,
    *,
    warmup: int,
    runs: int,
) -> Result:
    """Warm up both, then alternate support and peer runs; ratio = median of pair ratios."""
    for _ in range(warmup):
        run_process(support_argv, support_env)
        if peer_argv:
            run_process(peer_argv, peer_env or {})
    ratios, cpu_ratios = [], []
    for _ in range(runs):
        s = run_process(support_argv, support_env)
        result.support.append(s)
        if peer_argv:
            p = run_process(peer_argv, peer_env or {})
            result.peer.append(p)
            ratios.append(s.seconds / p.seconds)
            cpu_ratios.append(s.cpu / max(p.cpu, 1e-6))
    if ratios:
        result.ratio = median(ratios)
        result.cpu_ratio = median(cpu_ratios)
    return result


def korean_rows(sup: list[str], env: dict[str, str], warmup: int, runs: int) -> list[Result]:
    """The interface in Korean costs at most 5 ms over English (issue 16): `--help` and
    `list` under LANG=ko_KR.UTF-8 paired with LANG=C.UTF-8, run after run."""
    clean = {k: v for k, v in env.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    english, korean = {**clean, "LANG": "C.UTF-8"}, {**clean, "LANG": "ko_KR.UTF-8"}
    results = []
    for args in (["--help"], ["list"]):
        shown = " ".join(args)
        print(f"timing support {shown} in Korean vs English ...", flush=True)
        result = Result(
            f"`support {shown}` in Korean vs English (LANG=ko_KR.UTF-8 / C.UTF-8)",
            "≤ +5 ms",
            peer_name="English",
        )
        try:
            paired(result, sup + args, korean, sup + args, english, warmup=warmup, runs=runs)
            pairs = list(zip(result.support, result.peer, strict=True))
            wall = median([k.seconds - e.seconds for k, e in pairs])
            cpu = median([k.cpu - e.cpu for k, e in pairs])
            # Judged on CPU time: on a shared 2-core machine the wall-clock pairs swing by
            # tens of milliseconds either way, far more than the 5 ms asked about.
            result.passed = cpu <= 0.005
            result.note = (
                f"paired difference Korean − English: CPU time median {cpu * 1000:+.1f} ms, "
                f"wall time median {wall * 1000:+.1f} ms"
            )
        except Exception as exc:  # reported in the table like any other crash
            result.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        results.append(result)
    return results


def browser_rows(env: dict[str, str], warmup: int, runs: int) -> list[Result]:
    """Issue 20: `support history`'s first screen in an 80x24 pty, and each keystroke's
    results while searching (benchmarks/browser.py says how each is taken)."""
    import browser  # benchmarks/browser.py, beside this file

    first = Result("`support history` (the browser): first screen at 80x24", "≤ 500 ms")
    keys = Result("`support history`: each keystroke's search results", "≤ 150 ms (max)")
    print("timing support history: first screen, keystrokes ...", flush=True)
    try:
        shown = browser.first_screen(env, runs, warmup)
        walls, cpus = shown["wall"], shown["cpu"]
        first.value = f"{ms(median(walls))} (CPU {ms(median(cpus))})"
        first.passed = median(walls) <= 0.5
        to_frame = browser.first_frame_cpu(env, runs)
        first.value += f"; CPU to the first frame {ms(median(to_frame))}"
        first.note = (
            f"wall {browser.summary(walls)}; CPU of each whole session (start to q) "
            f"{browser.summary(cpus)}; CPU to the first frame {browser.summary(to_frame)}"
        )
        measured = browser.keystrokes(env)
        typed, typed_cpu = measured["per_search"], measured["cpu"]
        every = [t for times in typed.values() for t in times]
        keys.value = f"{ms(max(every))} max, {ms(median(every))} median"
        keys.passed = max(every) <= 0.15
        keys.note = (
            f"{len(every)} keystrokes of {', '.join(typed)}: wall {browser.summary(every)}; "
            f"CPU {browser.summary(typed_cpu)}"
        )
    except Exception as exc:  # reported in the table like any other crash
        first.error = keys.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    return [first, keys]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


# ------------------------------------------------------------------------- environments


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORT_", "LLM_"))}
    env["COLUMNS"] = "120"  # both render as for a 120-column terminal
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # Both programs as installed: byte-compiled (pip compiles on install; with this set,
    # an editable checkout would compile every module from source on every run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def support_env(db: Path, home: Path) -> dict[str, str]:
    return {**base_env(), "SUPPORT_HOME": str(home), "SUPPORT_DB": str(db)}


def peer_env(user_path: Path) -> dict[str, str]:
    return {**base_env(), "LLM_USER_PATH": str(user_path)}


def ensure_peer(install: bool) -> bool:
    if PEER_LLM.exists():
        return True
    if not install:
        return False
    print("installing the peer (llm, sqlite-utils) into benchmarks/.peer-venv ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_PY), "-m", "pip", "install", "-q", "llm", "sqlite-utils"], check=True)
    return PEER_LLM.exists()


def ensure_history(db: Path, size: dict[str, int], seed: int) -> float | None:
    """Generate the history unless it is there; return the generation time if made now."""
    if db.exists():
        return None
    db.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating {db} ({size['inquiries']:,} / {size['messages']:,}) ...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            "--db",
            str(db),
            "--inquiries",
            str(size["inquiries"]),
            "--messages",
            str(size["messages"]),
            "--seed",
            str(seed),
            "--quiet",
        ],
        check=True,
    )
    return time.perf_counter() - started


def ensure_peer_logs(user_path: Path, db: Path) -> Path:
    """Fill the peer's logs.db from `db` unless it already holds one response per inquiry."""
    logs = user_path / "logs.db"
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as src:
        wanted = src.execute("SELECT count(*) FROM inquiry").fetchone()[0]
    if logs.exists():
        with contextlib.closing(sqlite3.connect(logs)) as peer:
            try:
                have = peer.execute("SELECT count(*) FROM responses").fetchone()[0]
            except sqlite3.Error:
                have = -1
        if have == wanted:
            return logs
    print(f"filling the peer's logs database in {user_path} ...", flush=True)
    out = subprocess.run(
        [str(PEER_PY), str(HERE / "peer.py"), "--user-path", str(user_path), "--from-db", str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    print("  " + out.stdout.strip(), flush=True)
    return logs


# ------------------------------------------------------------------------------ targets


def commit_latency(db_path: Path, commits: int, seed: int, rounds: int = 3) -> Result:
    """add_message on the history with connect()'s own pragmas, one commit each; `rounds`
    rounds of `commits` commits, reporting the round with the median p99."""
    found = [_latency_round(db_path, commits, seed + n) for n in range(rounds)]
    found.sort(key=lambda r: r[1])
    p50, p99, worst, slow, journal, sync = found[len(found) // 2]
    result = Result(
        f"chat message commit latency ({commits:,} commits)", "p99 ≤ 5 ms", unit="latency"
    )
    result.value = f"p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"
    result.passed = p99 <= 0.005
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    result.note = (
        f"journal_mode={journal}, synchronous={names.get(sync, sync)}; median of {rounds} "
        f"rounds of {commits:,} commits by p99; rounds (p50/p99/max, commits over 5 ms): "
        + "; ".join(
            f"{a * 1000:.2f}/{b * 1000:.2f}/{c * 1000:.1f} ms, {d}" for a, b, c, d, _, _ in found
        )
        + "; bodies 20-400 characters"
    )
    return result


def _latency_round(db_path: Path, commits: int, seed: int):
    from corpus import TextMaker

    from supportcli.store import writes
    from supportcli.store.db import connect

    text = TextMaker(seed + 7, pool_size=300)
    db = connect(f"sqlite:///{db_path}", conversation=True)  # as `support chat` opens it
    journal = db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = db.execute("PRAGMA synchronous").fetchone()[0]
    inquiry = writes.create_inquiry(db, channel="chat", topic="payment", status="open", agent="kb")
    bodies = [
        text.message(
            "ko" if n % 4 < 2 else "en",
            "customer" if n % 2 == 0 else "agent",
            "payment",
            text.rng.randint(20, 400),
        )
        for n in range(commits + 20)
    ]
    samples = []
    try:
        for n, body in enumerate(bodies):
            role = "customer" if n % 2 == 0 else "agent"
            started = time.perf_counter()
            writes.add_message(db, inquiry_id=inquiry, role=role, body=body)
            if n >= 20:  # the first 20 warm up
                samples.append(time.perf_counter() - started)
    finally:
        writes.delete_inquiries(db, [inquiry])  # leave the history as it was
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    samples.sort()
    p50 = samples[len(samples) // 2]
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    slow = sum(1 for x in samples if x > 0.005)
    return p50, p99, samples[-1], slow, journal, sync


SMTP_USER = "customer@example.com"
SMTP_PASSWORD = "bench-password"

BARE_SMTP = r"""
import pickle, smtplib, sys
host, port, user, password, path = sys.argv[1:6]
with open(path, "rb") as fh:
    messages = pickle.load(fh)
with smtplib.SMTP(host, int(port), timeout=30) as smtp:
    smtp.ehlo()
    smtp.login(user, password)
    for mail_from, rcpt_tos, data, options in messages:
        smtp.sendmail(mail_from, rcpt_tos, data, mail_options=options)
"""


def outbox_template(folder: Path, count: int, seed: int) -> Path:
    """A history holding `count` queued email inquiries, recorded as `support email` does."""
    from corpus import TOPICS, TextMaker

    from supportcli.addresses import normalize_address
    from supportcli.mail.outbox import Composed, record
    from supportcli.store.db import close_all, connect, index_pending

    text = TextMaker(seed + 11, pool_size=300)
    path = folder / "history.db"
    db = connect(f"sqlite:///{path}")
    sender = normalize_address('"홍길동" <customer@example.com>', field="user.email")
    for n in range(count):
        lang = "ko" if n % 2 == 0 else "en"
        topic = TOPICS[n % len(TOPICS)]
        record(
            db,
            Composed(
                topic=topic,
                subject=text.subject(lang, topic),
                body=text.message(lang, "customer", topic),
                sender=sender,
                to=["help@example.com"],
            ),
            status="queued",
        )
    index_pending(db)  # as each `support email` does when it closes the history
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    close_all()
    return path


def outbox_send(work: Path, count: int, warmup: int, runs: int, seed: int) -> Result:
    sys.path.insert(0, str(ROOT / "tests"))
    from smtpserver import SmtpServer

    result = Result(
        f"`support outbox send` of {count} queued inquiries (throughput)",
        "≥ 0.5× bare smtplib",
        unit="throughput",
        peer_name="bare smtplib loop, one connection",
    )
    template_dir = work / "outbox-template"
    template_dir.mkdir(parents=True, exist_ok=True)
    template = outbox_template(template_dir, count, seed)
    captured = work / "outbox-messages.pickle"
    bare = work / "bare_smtp.py"
    bare.write_text(BARE_SMTP)
    with SmtpServer(mode="none", user=SMTP_USER, password=SMTP_PASSWORD) as server:
        env_for = lambda home: {  # noqa: E731
            **base_env(),
            "SUPPORT_HOME": str(home),
            "SUPPORT_SMTP_HOST": server.host,
            "SUPPORT_SMTP_PORT": str(server.port),
            "SUPPORT_SMTP_SECURITY": "none",
            "SUPPORT_SMTP_USER": SMTP_USER,
            "SUPPORT_SMTP_PASSWORD": SMTP_PASSWORD,
            "SUPPORT_USER_EMAIL": "customer@example.com",
            "SUPPORT_DESK_EMAIL": "help@example.com",
        }

        def support_once(n: int) -> Run:
            home = work / f"outbox-run-{n}"
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(mode=0o700)
            shutil.copy2(template, home / "history.db")
            before = len(server.messages)
            run = run_process([str(SUPPORT), "outbox", "send"], env_for(home))
            got = server.wait_for(before + count, timeout=30)
            if len(got) != before + count:
                raise RuntimeError(f"the server got {len(got) - before} of {count} messages")
            with contextlib.closing(sqlite3.connect(home / "history.db")) as check:
                sent = check.execute("SELECT count(*) FROM inquiry WHERE status = 'sent'")
                if sent.fetchone()[0] != count:
                    raise RuntimeError("not every inquiry was recorded as sent")
            shutil.rmtree(home, ignore_errors=True)
            return run

        def bare_once() -> Run:
            before = len(server.messages)
            run = run_process(
                [
                    sys.executable,
                    str(bare),
                    server.host,
                    str(server.port),
                    SMTP_USER,
                    SMTP_PASSWORD,
                    str(captured),
                ],
                base_env(),
            )
            server.wait_for(before + count, timeout=30)
            return run

        first = len(server.messages)
        support_once(0)  # a warm-up, and it captures exactly what support sends
        messages = [
            (m.mail_from, m.rcpt_tos, m.data, m.mail_options)
            for m in server.messages[first : first + count]
        ]
        captured.write_bytes(pickle.dumps(messages))
        for n in range(1, warmup):
            support_once(n)
        for _ in range(warmup):
            bare_once()
        ratios, cpu_ratios = [], []
        for n in range(runs):
            s = support_once(100 + n)
            b = bare_once()
            result.support.append(s)
            result.peer.append(b)
            ratios.append(b.seconds / s.seconds)  # throughput ratio: support / bare
            cpu_ratios.append(b.cpu / max(s.cpu, 1e-6))
        if server.errors:
            raise RuntimeError(f"SMTP server errors: {server.errors!r}")
    result.ratio = median(ratios)
    result.cpu_ratio = median(cpu_ratios)
    s_med = median([r.seconds for r in result.support])
    b_med = median([r.seconds for r in result.peer])
    result.value = f"{ms(s_med)} ({count / s_med:,.0f} msg/s)"
    result.peer_value = f"{ms(b_med)} ({count / b_med:,.0f} msg/s)"
    result.passed = result.ratio >= 0.5
    size = sum(len(m[2]) for m in messages) / len(messages)
    result.note = f"plain SMTP + AUTH on 127.0.0.1 (tests/smtpserver.py); {size:,.0f} bytes/message"
    return result


EXPORT_SQL = (
    "SELECT i.id, i.channel, i.topic, i.subject, i.status, i.created_at, i.updated_at, "
    "i.agent, i.rating, i.parent_id, i.previous_status, i.last_role, i.last_message_at, "
    "e.from_addr, e.to_addrs, e.cc_addrs, e.message_id, e.attempts, e.last_error, e.sent_at, "
    "m.id AS message_id, m.role, m.body, m.created_at AS message_created_at, m.meta "
    "FROM inquiry i JOIN message m ON m.inquiry_id = i.id "
    "LEFT JOIN email e ON e.inquiry_id = i.id "
    "ORDER BY i.created_at DESC, i.id DESC, m.id"
)


# Issue 20: what a shell asks `support` at TAB (completions/ scripts, Typer's protocol),
# each answered from the history: (label, the request's environment).
COMPLETIONS = [
    (
        "zsh: `support show <TAB>`",
        {"_SUPPORT_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "support show "},
    ),
    (
        "fish: `support reopen <TAB>` (closed ones)",
        {
            "_SUPPORT_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_TYPER_COMPLETE_ARGS": "support reopen ",
        },
    ),
    (
        "bash: `support close 4<TAB>`",
        {"_SUPPORT_COMPLETE": "complete_bash", "COMP_WORDS": "support close 4", "COMP_CWORD": "2"},
    ),
    (
        "PowerShell: `support chat --resume 9<TAB>`",
        {
            "_SUPPORT_COMPLETE": "complete_powershell",
            "_TYPER_COMPLETE_ARGS": "support chat --resume 9",
            "_TYPER_COMPLETE_WORD_TO_COMPLETE": "9",
        },
    ),
    (
        "zsh: `support chat --topic <TAB>` (described)",
        {"_SUPPORT_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "support chat --topic "},
    ),
    (  # command and option names are still Typer's: the whole command line is loaded
        "bash: `support sh<TAB>` (a command's name: Typer's own)",
        {"_SUPPORT_COMPLETE": "complete_bash", "COMP_WORDS": "support sh", "COMP_CWORD": "1"},
    ),
]
COMPLETION_GOAL_S = 0.150


def completions(sup: list[str], env: dict[str, str], warmup: int, runs: int) -> list[Result]:
    """A completion answers in under 150 ms on the history (issue 20): each request a
    whole `support` process, as the shell starts it, its output to /dev/null."""
    results = []
    for label, request in COMPLETIONS:
        print(f"timing completion {label} ...", flush=True)
        result = Result(f"completion, {label}", "< 150 ms")
        try:
            # An answer that failed quietly would be quick: it must offer something.
            said = subprocess.run(sup, env={**env, **request}, capture_output=True, check=True)
            if not said.stdout.strip():
                raise RuntimeError(f"no completion offered; stderr {said.stderr[-500:]!r}")
            paired(result, sup, {**env, **request}, None, None, warmup=warmup, runs=runs)
            seconds = median([r.seconds for r in result.support])
            result.passed = seconds < COMPLETION_GOAL_S
            result.note = "no peer: the goal is absolute"
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        results.append(result)
    return results


def query_shapes() -> list[tuple[str, list[str], str]]:
    """Every shape of search issue 21 names: (label, `support list` arguments, the words
    llm's `logs list -q` gets). llm has no filters: a filtered shape is paired with llm's
    search for the same words. Word counts on the 100k history are in docs/performance.md."""
    since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    shapes = [
        ("one common word", ["환불"]),
        ("one rare word", ["위젯"]),
        ("one absent word", ["qxzjvw"]),
        ("two words that meet", ["환불 결제"]),
        ("two common words that seldom meet", ["결제 invoice"]),
        ("the same, other order", ["invoice 결제"]),
        ("a common word and an absent one", ["환불 qxzjvw"]),
        ("four mixed words", ["환불 결제 invoice 영수증"]),
        ("a word, --status", ["환불", "--status", "closed"]),
        ("a word, --topic (rare together)", ["결제", "--topic", "usage"]),
        ("a word, --since 30 days", ["invoice", "--since", since]),
    ]
    return [(label, ["list", "-q", *args], args[0]) for label, args in shapes]


# ---------------------------------------------------------------------------- the report


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        kib = int(fh.readline().split()[1])
        mem = f"{kib / 2**20:.0f} GiB"
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load average at the end (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "nproc": str(os.cpu_count()),
        "CPU": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "Python (support)": platform.python_version(),
        "SQLite (Python's sqlite3)": sqlite3.sqlite_version,
    }
    sqlite_cli = shutil.which("sqlite3")
    if sqlite_cli:
        out = subprocess.run([sqlite_cli, "--version"], capture_output=True, text=True)
        info["sqlite3 CLI"] = out.stdout.split()[0] if out.stdout else "?"
    if PEER_LLM.exists():
        out = subprocess.run([str(PEER_LLM), "--version"], capture_output=True, text=True)
        info["peer"] = out.stdout.strip()
        out = subprocess.run(
            [str(PEER_PY), "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
        )
        info["Python (peer)"] = out.stdout.strip()
    return info


def code_state() -> str:
    """The commit measured, and which project files differed from it (read-only git)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # never touch the index
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    changed = [
        line[3:]
        for line in status.splitlines()
        if not line[3:].startswith(("benchmarks/", "docs/performance.md"))
    ]
    return f"{head[:70]}" + (f"; uncommitted changes in {', '.join(changed)}" if changed else "")


def render(results: list[Result], meta: dict[str, str], setup: dict[str, str]) -> str:
    lines = [
        f"Run of {meta['date']}: `{setup['command']}`",
        "",
        "| target | support (median) | peer (median) | ratio | goal | result |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        if r.error:
            lines.append(f"| {r.name} | error | | | {r.goal} | **crashed** |")
            continue
        support = r.value or ms(median([x.seconds for x in r.support]))
        if r.peer_value:
            peer = r.peer_value
        elif r.peer:
            peer = ms(median([x.seconds for x in r.peer]))
        else:
            peer = "n/a"
        if r.peer_name and peer != "n/a":
            peer = f"{peer}: {r.peer_name}"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "n/a"
        verdict = "n/a" if r.passed is None else ("pass" if r.passed else "**FAIL**")
        lines.append(f"| {r.name} | {support} | {peer} | {ratio} | {r.goal} | {verdict} |")
    lines += ["", "Notes per target:", ""]
    for r in results:
        extra = []
        if r.support and r.unit in ("time", "throughput"):
            extra.append(
                "support runs "
                + ", ".join(ms(x.seconds) for x in r.support)
                + f" (CPU median {ms(median([x.cpu for x in r.support]))}"
                + f", peak RSS {max(x.maxrss_kib for x in r.support) / 1024:.0f} MiB)"
            )
        if r.peer and r.unit in ("time", "throughput"):
            extra.append(
                "peer runs "
                + ", ".join(ms(x.seconds) for x in r.peer)
                + f" (CPU median {ms(median([x.cpu for x in r.peer]))}"
                + f", peak RSS {max(x.maxrss_kib for x in r.peer) / 1024:.0f} MiB)"
            )
        if r.cpu_ratio is not None:
            how = (
                "bare/support CPU time, as throughput"
                if r.unit == "throughput"
                else ("support/peer")
            )
            extra.append(f"paired CPU-time ratio {r.cpu_ratio:.2f}× ({how})")
        if r.note:
            extra.append(r.note)
        if r.error:
            extra.append(f"error: {r.error}")
        if extra:
            lines.append(f"- {r.name}: " + "; ".join(extra))
    lines += ["", "| machine | |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in meta.items()]
    lines += [f"| {k} | {v} |" for k, v in setup.items() if k != "command"]
    return "\n".join(lines) + "\n"


def write_report(out: Path, body: str) -> None:
    block = f"{START}\n{body}{END}\n"
    if out.exists():
        text = out.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            out.write_text(head + block + tail.lstrip("\n"), encoding="utf-8")
            return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Performance\n\n" + block, encoding="utf-8")


# --------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="1,000 inquiries / 10,000 messages, 1 warm-up + 3 runs"
    )
    parser.add_argument("--db", type=Path, help="the history to time (generated if missing)")
    parser.add_argument("--runs", type=int, help="measured runs per target (default 7; smoke 3)")
    parser.add_argument("--warmup", type=int, help="warm-up runs (default 2; smoke 1)")
    parser.add_argument(
        "--out", type=Path, help="Markdown report (default docs/performance.md; smoke: none)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--outbox", type=int, default=200, help="queued inquiries to send")
    parser.add_argument("--no-peer", action="store_true", help="time support alone")
    parser.add_argument(
        "--peer", type=Path, help="llm's user folder for --db (filled when missing or stale)"
    )
    parser.add_argument(
        "--inquiries", type=int, help="with --smoke: a smaller history still (the test suite's)"
    )
    parser.add_argument(
        "--only",
        help="comma-separated target keys: "
        "list,search,help,show,floor,ko,export,latency,outbox,shapes,completion,browser",
    )
    args = parser.parse_args(argv)

    size = SMOKE if args.smoke else FULL
    if args.smoke and args.inquiries:
        size = {"inquiries": args.inquiries, "messages": args.inquiries * 10}
    runs = args.runs or (3 if args.smoke else 9)
    warmup = args.warmup if args.warmup is not None else (1 if args.smoke else 2)
    out = args.out or (None if args.smoke else ROOT / "docs" / "performance.md")
    only = set(args.only.split(",")) if args.only else None
    # the export takes seconds per run on the big history: fewer runs there
    export_warmup = warmup if args.smoke else 1
    export_runs = runs if args.smoke else max(3, runs // 2)
    scratch = Path(tempfile.mkdtemp(prefix="support-bench-"))
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    crashed = False
    try:
        if args.db:
            db = args.db.absolute()
        elif args.smoke:
            db = scratch / "history-smoke.db"
        else:
            db = HERE / "data" / "history-100k.db"
        generated = ensure_history(db, size, args.seed)
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            n_inq, n_msg = con.execute(
                "SELECT (SELECT count(*) FROM inquiry), (SELECT count(*) FROM message)"
            ).fetchone()
            # the newest inquiry with at least the average number of messages (10 here)
            last_id = con.execute(
                "SELECT id FROM inquiry i WHERE (SELECT count(*) FROM message "
                "WHERE inquiry_id = i.id) >= ? ORDER BY id DESC LIMIT 1",
                (max(1, n_msg // max(n_inq, 1)),),
            ).fetchone()[0]
            last_msgs = con.execute(
                "SELECT count(*) FROM message WHERE inquiry_id = ?", (last_id,)
            ).fetchone()[0]
        have_peer = not args.no_peer and ensure_peer(install=not args.smoke)
        peer_dir = args.peer or (
            (scratch / "peer") if args.smoke or args.db else HERE / "data" / "peer-100k"
        )
        if have_peer:
            ensure_peer_logs(peer_dir, db)
        home = scratch / "home"
        home.mkdir(mode=0o700)
        s_env = support_env(db, home)
        p_env = peer_env(peer_dir)
        llm = [str(PEER_LLM)] if have_peer else None
        sup = [str(SUPPORT)]

        plan = [
            (
                "list",
                "`support list` vs `llm logs list -n 20`",
                "≤ 0.35×",
                sup + ["list"],
                llm and llm + ["logs", "list", "-n", "20"],
                0.35,
            ),
            (
                "search",
                "`support list --search 환불` vs `llm logs list -q 환불`",
                "≤ 0.5×",
                sup + ["list", "--search", "환불"],
                llm and llm + ["logs", "list", "-q", "환불"],
                0.5,
            ),
            (
                "search",
                "`support list --search invoice` vs `llm logs list -q invoice`",
                "≤ 0.5×",
                sup + ["list", "--search", "invoice"],
                llm and llm + ["logs", "list", "-q", "invoice"],
                0.5,
            ),
            (
                "help",
                "`support --help` vs `llm --help`",
                "≤ 0.2×",
                sup + ["--help"],
                llm and llm + ["--help"],
                0.2,
            ),
            (
                "show",
                f"`support show {last_id}` ({last_msgs} messages) vs `llm logs list -n 1`",
                "≤ 0.35×",
                sup + ["show", str(last_id)],
                llm and llm + ["logs", "list", "-n", "1"],
                0.35,
            ),
        ]
        # Issue 21: a read costs little more than starting the CLI (paired with --help).
        for label, read_args in (
            ("list", ["list"]),
            (f"show {last_id}", ["show", str(last_id)]),
            ("list -q 환불", ["list", "-q", "환불"]),
        ):
            plan.append(
                (
                    "floor",
                    f"floor: `support {label}` vs `support --help`",
                    "≤ 1.3×",
                    sup + read_args,
                    sup + ["--help"],
                    1.3,
                )
            )
        for label, shape_args, words in query_shapes():
            shown = " ".join(a if " " not in a and a else f'"{a}"' for a in shape_args)
            plan.append(
                (
                    "shapes",
                    f'shape: {label}: `support {shown}` vs `llm logs list -q "{words}"`',
                    "≤ 0.5×",
                    sup + shape_args,
                    llm and llm + ["logs", "list", "-q", words],
                    0.5,
                )
            )
        results: list[Result] = []
        for key, name, goal, s_argv, p_argv, limit in plan:
            if only and key not in only:
                continue
            print(f"timing {name} ...", flush=True)
            result = Result(name, goal, peer_name="")
            try:
                peer_env_here = s_env if key == "floor" else p_env
                paired(result, s_argv, s_env, p_argv, peer_env_here, warmup=warmup, runs=runs)
                if result.ratio is not None:
                    result.passed = result.ratio <= limit
            except Exception as exc:  # a crash: report it, finish the rest, exit non-zero
                crashed = True
                result.error = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            results.append(result)

        if not only or "ko" in only:
            results += korean_rows(sup, s_env, warmup, runs)

        if not only or "completion" in only:
            done = completions(sup, s_env, warmup, runs)
            crashed = crashed or any(r.error for r in done)
            results += done

        if not only or "export" in only:
            print("timing support export --format jsonl ...", flush=True)
            mem = Result(
                "`support export --format jsonl` (all, to /dev/null): peak memory",
                "≤ 80 MiB",
                unit="memory",
            )
            exp = Result(
                "`support export --format jsonl` vs `sqlite3 -json` (same rows joined "
                "with messages)",
                "≤ 2.5×",
                peer_name="",
            )
            try:
                sqlite_cli = shutil.which("sqlite3")
                p_argv = (
                    [sqlite_cli, "-json", "-readonly", str(db), EXPORT_SQL] if sqlite_cli else None
                )
                paired(
                    exp,
                    sup + ["export", "--format", "jsonl"],
                    s_env,
                    p_argv,
                    base_env(),
                    warmup=export_warmup,
                    runs=export_runs,
                )
                peak = max(r.maxrss_kib for r in exp.support) / 1024
                mem.value = f"{peak:.1f} MiB (max of {len(exp.support)} runs)"
                if exp.peer:
                    mem.peer_value = (
                        f"{max(r.maxrss_kib for r in exp.peer) / 1024:.1f} MiB: sqlite3 -json"
                    )
                mem.passed = peak <= 80
                mem.note = (
                    "ru_maxrss of each export process, from os.wait4 in a fresh wrapper "
                    "process (floor: the wrapper's own ~10 MiB)"
                )
                if exp.ratio is not None:
                    exp.passed = exp.ratio <= 2.5
                if not sqlite_cli:
                    exp.note = "sqlite3 CLI not installed (apt-get install sqlite3)"
            except Exception as exc:
                crashed = True
                exp.error = mem.error = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            results += [mem, exp]

        if not only or "browser" in only:
            results += browser_rows(s_env, warmup, runs)

        if not only or "latency" in only:
            commits = args.commits
            print(f"timing {commits} commits of add_message ...", flush=True)
            try:
                results.append(commit_latency(db, commits, args.seed))
            except Exception as exc:
                crashed = True
                results.append(
                    Result(
                        "chat message commit latency",
                        "p99 ≤ 5 ms",
                        error=f"{type(exc).__name__}: {exc}",
                    )
                )
                traceback.print_exc()

        if not only or "outbox" in only:
            print(f"timing support outbox send of {args.outbox} ...", flush=True)
            try:
                results.append(outbox_send(scratch, args.outbox, warmup, runs, args.seed))
            except Exception as exc:
                crashed = True
                results.append(
                    Result(
                        "`support outbox send`",
                        "≥ 0.5× bare smtplib",
                        error=f"{type(exc).__name__}: {exc}",
                    )
                )
                traceback.print_exc()

        command = (
            "python benchmarks/run.py"
            + (" --smoke" if args.smoke else "")
            + (f" --db {args.db}" if args.db else "")
            + (f" --runs {args.runs}" if args.runs else "")
            + (f" --only {args.only}" if args.only else "")
        )
        setup = {
            "command": command,
            "history": f"{n_inq:,} inquiries, {n_msg:,} messages, "
            f"{db.stat().st_size / 2**20:,.0f} MiB ({db.name})",
            "runs": f"{warmup} warm-up + {runs} measured per target "
            f"(export: {export_warmup} + {export_runs})",
            "load average at the start (1/5/15 min)": load_start,
            "code measured": code_state(),
            "peer data": "llm logs database with the same text, one response per inquiry"
            if have_peer
            else "skipped (--no-peer, or not installed)",
        }
        if generated is not None:
            setup["generation"] = f"{generated:.0f} s for this history (benchmarks/generate.py)"
        body = render(results, machine(), setup)
        print()
        print(body)
        if out is not None:
            write_report(out, body)
            print(f"wrote {out}")
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
