"""Four processes write at once while a fifth lists and exports; nothing may be locked out
or lost.

    python reliability/concurrency.py --writes 200 [--json out.json] [--db URL]

With `--db postgresql+psycopg://...` the same runs against a shared PostgreSQL history
(an empty database: the run fills it); without, against a fresh SQLite file.

Writers (each its own process, through the project's own code): two chat sessions (each
customer line and agent answer is a write), one saving email drafts (body, envelope and a
private attachment copy in one transaction), one deleting drafts as they appear. A fifth
process runs `support list` and `support export` in a loop. Figures: "database is locked"
errors, other errors, and lost writes (rows that should be there and are not)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def worker(kind: str, count: int, attachment: str) -> dict[str, int]:
    from supportcli.config import Settings
    from supportcli.store.db import connect

    db = connect()
    done = {"writes": 0, "locked": 0, "errors": 0}

    def attempt(action) -> None:  # type: ignore[no-untyped-def]
        try:
            action()
            done["writes"] += 1
        except Exception as exc:  # counted, not hidden: the figure is the point
            done["locked" if "locked" in str(exc) else "errors"] += 1
            print(f"{kind}: {type(exc).__name__}: {exc}", file=sys.stderr)

    if kind == "chat":
        from supportcli.chat.kb import KbAgent
        from supportcli.chat.session import ChatSession
        from supportcli.store import writes

        chat_id = writes.create_inquiry(db, channel="chat", topic="payment", status="open")
        session = ChatSession(
            db=db,
            inquiry_id=chat_id,
            agent=KbAgent(Settings.load()),
            topic="payment",
            io=_QuietIO(),
            make_email=lambda _: 0,
        )
        for n in range(count // 2):
            attempt(lambda n=n: session.say(f"결제가 두 번 됐어요 #{n}"))
        done["chat_id"] = chat_id
    elif kind == "drafts":
        from supportcli.mail.checks import check_attachment
        from supportcli.mail.outbox import Composed, record

        files = [check_attachment(attachment)]
        for n in range(count):
            attempt(
                lambda n=n: record(
                    db,
                    Composed(
                        topic="other",
                        subject=f"draft {n}",
                        body=f"본문 {n}",
                        sender="a@example.com",
                        to=["d@example.com"],
                        files=files,
                    ),
                    status="draft",
                )
            )
    elif kind == "deletes":
        from supportcli import history

        deadline = time.monotonic() + 120
        while done["writes"] < count and time.monotonic() < deadline:
            row = db.execute("SELECT min(id) FROM inquiry WHERE status = 'draft'").fetchone()
            if row[0] is None:
                time.sleep(0.01)
                continue
            attempt(lambda target=row[0]: history.delete([target]))
    return done


class _QuietIO:
    interactive = False

    def read(self) -> None:
        return None

    def show_answer(self, text: str, answer: object) -> None:
        pass

    def notice(self, text: str) -> None:
        pass

    def wait(self, work):  # type: ignore[no-untyped-def]
        return work()


def reader(stop: Path) -> dict[str, int]:
    done = {"reads": 0, "locked": 0, "errors": 0}
    while not stop.exists():
        for args in (["list", "--json", "-n", "50"], ["export", "--format", "jsonl"]):
            result = subprocess.run(
                [sys.executable, "-m", "supportcli", *args], capture_output=True, text=True
            )
            done["reads"] += 1
            if result.returncode:
                done["locked" if "locked" in result.stderr else "errors"] += 1
                print(result.stderr, file=sys.stderr)
    return done


def main(argv: list[str] | None = None) -> dict[str, int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--db", help="a PostgreSQL URL to run against instead of SQLite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUPPORT_")},
            "SUPPORT_HOME": str(Path(tmp) / "home"),
            "SUPPORT_DB": args.db or str(Path(tmp) / "home" / "history.db"),
        }
        attachment = Path(tmp) / "첨부.bin"
        attachment.write_bytes(os.urandom(50_000))
        stop = Path(tmp) / "stop"
        subprocess.run(
            [sys.executable, "-m", "supportcli", "list"], env=env, check=True, capture_output=True
        )
        me = [sys.executable, __file__]
        kinds = ["chat", "chat", "drafts", "deletes"]
        writers = [
            subprocess.Popen(
                [*me, "worker", kind, str(args.writes), str(attachment)],
                env=env,
                stdout=subprocess.PIPE,
            )
            for kind in kinds
        ]
        read = subprocess.Popen([*me, "reader", str(stop)], env=env, stdout=subprocess.PIPE)
        results = [json.loads(p.communicate(timeout=600)[0]) for p in writers]
        stop.touch()
        reads = json.loads(read.communicate(timeout=600)[0])
        figures = _figures(env["SUPPORT_DB"], kinds, results, reads)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def _figures(
    target: str, kinds: list[str], results: list[dict[str, int]], reads: dict[str, int]
) -> dict[str, int]:
    from supportcli.store.db import connect, is_postgres

    db = connect(target)
    lost = 0
    for kind, result in zip(kinds, results, strict=True):
        if kind == "chat":
            stored = db.execute(
                "SELECT count(*) FROM message WHERE inquiry_id = ?", (result["chat_id"],)
            ).fetchone()[0]
            lost += result["writes"] * 2 - stored  # each say() is two messages
    drafts = db.execute("SELECT count(*) FROM inquiry WHERE status = 'draft'").fetchone()[0]
    created = results[kinds.index("drafts")]["writes"]
    deleted = results[kinds.index("deletes")]["writes"]
    lost += created - deleted - drafts
    return {
        "writers": len(kinds),
        "writes": sum(r["writes"] for r in results),
        "reads": reads["reads"],
        "database_is_locked": sum(r["locked"] for r in results) + reads["locked"],
        "other_errors": sum(r["errors"] for r in results) + reads["errors"],
        "lost_writes": lost,
        "integrity": _intact(db, is_postgres(db)),
    }


def _intact(db, postgres: bool) -> bool:  # type: ignore[no-untyped-def]
    """SQLite's own check; on PostgreSQL (whose pages are the server's business): every
    message belongs to an inquiry and every inquiry's positions run 1..n without gaps."""
    if not postgres:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = db.execute(
        "SELECT count(*) FROM message WHERE inquiry_id NOT IN (SELECT id FROM inquiry)"
    ).fetchone()[0]
    gaps = db.execute(
        "SELECT count(*) FROM (SELECT inquiry_id FROM message GROUP BY inquiry_id "
        "HAVING max(seq) <> count(*) OR min(seq) <> 1) AS bad"
    ).fetchone()[0]
    return orphans == 0 and gaps == 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        print(json.dumps(worker(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    elif len(sys.argv) > 1 and sys.argv[1] == "reader":
        print(json.dumps(reader(Path(sys.argv[2]))))
    else:
        result = main()
        sys.exit(
            1
            if result["database_is_locked"]
            or result["other_errors"]
            or result["lost_writes"]
            or not result["integrity"]
            else 0
        )
