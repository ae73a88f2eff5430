"""Kill `support` with SIGKILL at random moments and check that nothing confirmed is lost.

    python reliability/kill9.py --runs 200 [--seed 7] [--json out.json] [--db URL]

Each run drives a non-interactive chat or email inquiry in a subprocess and kills it after
a random delay. Then: every message the process had confirmed (a chat answer printed to
stdout means the customer's line and that answer are committed; "email N" on stderr means
the inquiry is recorded) must be in the history, no record may be half-written (an email
inquiry without its body or envelope, an attachment row without its stored copy), and
PRAGMA integrity_check must say ok. With `--db postgresql+psycopg://...` the history is a
shared PostgreSQL database (an empty one: the run fills it); integrity there means every
message belongs to an inquiry, positions have no gaps, and every attachment has its bytes."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

QUESTIONS = [
    "카드 결제가 계속 실패해요",
    "I was charged twice this month",
    "비밀번호를 잊어버렸어요",
    "How do I cancel my subscription?",
    "환불 받으려면 어떻게 해야 하나요?",
    "앱이 자꾸 꺼져요",
    "Where can I download my invoice?",
]


DB: str | None = None  # --db


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORT_")}
    if DB:
        env["SUPPORT_DB"] = DB
    env.update(
        SUPPORT_HOME=str(home),
        SUPPORT_USER_NAME="김민수",
        SUPPORT_USER_EMAIL="minsu@example.com",
        SUPPORT_DESK_EMAIL="help@example.com",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def chat_run(home: Path, rng: random.Random, marker: str) -> dict[str, object]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "supportcli", "chat", "--topic", "other"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env_for(home),
    )
    confirmed: list[str] = []
    out = proc.stdout
    assert proc.stdin is not None and out is not None

    def converse() -> None:
        try:
            for n in range(rng.randint(1, 6)):
                line = f"{marker}-{n} {rng.choice(QUESTIONS)}"
                proc.stdin.write(line.encode() + b"\n")  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
                answer = []
                while True:
                    got = out.readline()
                    if not got:
                        return
                    answer.append(got)
                    if b"/email" in got:  # every kb answer ends by offering /email
                        out.readline()
                        break
                confirmed.extend([line, b"".join(answer).decode().strip()])
        except (BrokenPipeError, ValueError, OSError):
            return

    talker = threading.Thread(target=converse, daemon=True)
    talker.start()
    time.sleep(rng.uniform(0.05, 1.2))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    talker.join(5)
    return {"kind": "chat", "marker": marker, "confirmed": list(confirmed)}


def email_run(home: Path, rng: random.Random, marker: str, attachment: Path) -> dict[str, object]:
    args = [
        "email",
        "--subject",
        f"{marker} 결제 문의",
        "--body",
        f"{marker} 본문 😀\n둘째 줄",
        "--draft",
    ]
    if rng.random() < 0.5:
        args += ["--attach", str(attachment)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "supportcli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env_for(home),
    )
    time.sleep(rng.uniform(0.05, 0.6))
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    confirmed = any(line.startswith("email ") for line in err.decode().splitlines())
    return {"kind": "email", "marker": marker, "confirmed": confirmed}


def check(home: Path, runs: list[dict[str, object]]) -> dict[str, int]:
    if DB:
        from supportcli.store.db import connect

        db = connect(DB)
    else:
        db = sqlite3.connect(home / "history.db")
    figures = {
        "runs": len(runs),
        "messages_confirmed": 0,
        "messages_lost": 0,
        "emails_confirmed": 0,
        "emails_lost": 0,
        "half_written": 0,
        "integrity_failures": 0,
    }
    if not _intact(db):
        figures["integrity_failures"] += 1
    bodies = {row[0] for row in db.execute("SELECT body FROM message")}
    stripped = {b.strip() for b in bodies}
    for run in runs:
        if run["kind"] == "chat":
            for text in run["confirmed"]:  # type: ignore[attr-defined]
                figures["messages_confirmed"] += 1
                figures["messages_lost"] += text.strip() not in stripped
        elif run["confirmed"]:
            figures["emails_confirmed"] += 1
            found = db.execute(
                "SELECT count(*) FROM inquiry WHERE subject = ?", (f"{run['marker']} 결제 문의",)
            ).fetchone()[0]
            figures["emails_lost"] += found != 1
    figures["half_written"] = db.execute(
        "SELECT count(*) FROM inquiry i WHERE channel = 'email' AND (NOT EXISTS (SELECT 1 FROM "
        "message m WHERE m.inquiry_id = i.id) OR NOT EXISTS (SELECT 1 FROM email e WHERE "
        "e.inquiry_id = i.id))"
    ).fetchone()[0]
    for (sha,) in db.execute("SELECT DISTINCT sha256 FROM attachment"):
        if not (home / "attachments" / sha[:2] / sha).exists():
            figures["half_written"] += 1
    db.close()
    return figures


def _intact(db) -> bool:  # type: ignore[no-untyped-def]
    if not DB:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    checks = [
        "SELECT count(*) FROM message WHERE inquiry_id NOT IN (SELECT id FROM inquiry)",
        "SELECT count(*) FROM (SELECT inquiry_id FROM message GROUP BY inquiry_id "
        "HAVING max(seq) <> count(*) OR min(seq) <> 1) AS gaps",
        "SELECT count(*) FROM attachment WHERE sha256 NOT IN (SELECT sha256 FROM attachment_blob)",
    ]
    return all(db.execute(sql).fetchone()[0] == 0 for sql in checks)


def main(argv: list[str] | None = None) -> dict[str, int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--db", help="a PostgreSQL URL to run against instead of SQLite")
    args = parser.parse_args(argv)
    global DB
    DB = args.db
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        attachment = Path(tmp) / "영수증.pdf"
        attachment.write_bytes(os.urandom(200_000))
        figures: dict[str, int] = {}
        for n in range(args.runs):
            marker = f"k{n:04d}"
            if rng.random() < 0.6:
                run = chat_run(home, rng, marker)
            else:
                run = email_run(home, rng, marker, attachment)
            if not DB and not (home / "history.db").exists():
                figures["runs"] = figures.get("runs", 0) + 1
                continue
            for key, value in check(home, [run]).items():  # after every kill
                merge = max if key == "half_written" else int.__add__
                figures[key] = merge(figures.get(key, 0), value)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    result = main()
    sys.exit(
        1
        if result.get("messages_lost")
        or result.get("emails_lost")
        or result.get("half_written")
        or result.get("integrity_failures")
        else 0
    )
