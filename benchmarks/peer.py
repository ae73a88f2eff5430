"""Fill the peer's (Simon Willison's `llm`) logs database with the same text as a support
history. Runs with the peer's own virtualenv (benchmarks/.peer-venv), never the project's:

    benchmarks/.peer-venv/bin/python benchmarks/peer.py --user-path DIR --from-db HISTORY

`llm logs path` (with LLM_USER_PATH=DIR) says where the database goes; llm's own migrations
create its schema; then one `responses` row (and its `conversations` row, as a plain
`llm prompt` makes one conversation per prompt) is inserted per inquiry with sqlite-utils,
so llm's triggers keep `responses_fts` in step. The prompt is the inquiry's customer
messages and the response its agent messages, so both databases hold the same volume of
the same text, with the same timestamps (ids are ULIDs of those times, as llm makes them).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import llm.migrations
import sqlite_utils
from ulid import ULID

MODEL = "gpt-4o-mini"


def logs_path(user_path: Path) -> Path:
    llm_bin = Path(sys.executable).parent / "llm"
    out = subprocess.run(
        [str(llm_bin), "logs", "path"],
        env={**os.environ, "LLM_USER_PATH": str(user_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def inquiries(source: Path, limit: int | None):
    """(id, created_at, subject, customer text, agent text) per inquiry, in id order."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    sql = (
        "SELECT i.id, i.created_at, i.subject, m.role, m.body FROM inquiry i "
        "JOIN message m ON m.inquiry_id = i.id"
        + (f" WHERE i.id <= {int(limit)}" if limit else "")
        + " ORDER BY i.id, m.id"
    )
    current = None
    for inquiry_id, created, subject, role, body in src.execute(sql):
        if current is None or current[0] != inquiry_id:
            if current is not None:
                yield current
            current = [inquiry_id, created, subject, [], []]
        (current[3] if role == "customer" else current[4]).append(body)
    if current is not None:
        yield current
    src.close()


def fill(user_path: Path, source: Path, limit: int | None = None) -> dict:
    started = time.perf_counter()
    user_path.mkdir(parents=True, exist_ok=True)
    path = logs_path(user_path)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    llm.migrations.migrate(db)
    db.execute("PRAGMA synchronous = OFF")
    count = chars = 0
    conversations: list[dict] = []
    responses: list[dict] = []

    def flush() -> None:
        with db.conn:
            db["conversations"].insert_all(conversations, batch_size=500)
            db["responses"].insert_all(responses, batch_size=500)
        conversations.clear()
        responses.clear()

    for _inquiry_id, created, subject, customer, agent in inquiries(source, limit):
        moment = datetime.fromisoformat(created)
        response_id = str(ULID.from_datetime(moment)).lower()
        conversation_id = str(ULID.from_datetime(moment)).lower()
        prompt = "\n\n".join(customer)
        response = "\n\n".join(agent)
        conversations.append({"id": conversation_id, "name": subject[:40], "model": MODEL})
        responses.append(
            {
                "id": response_id,
                "model": MODEL,
                "resolved_model": MODEL,
                "prompt": prompt,
                "system": None,
                "prompt_json": json.dumps({"messages": [{"role": "user", "content": "..."}]}),
                "options_json": "{}",
                "response": response,
                "response_json": None,
                "conversation_id": conversation_id,
                "duration_ms": 800 + len(response) // 4,
                "datetime_utc": moment.isoformat(),
                "input_tokens": len(prompt) // 3,
                "output_tokens": len(response) // 3,
            }
        )
        count += 1
        chars += len(prompt) + len(response)
        if len(responses) >= 2000:
            flush()
    flush()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {
        "path": str(path),
        "responses": count,
        "chars": chars,
        "seconds": round(time.perf_counter() - started, 1),
        "bytes": path.stat().st_size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user-path", type=Path, required=True, help="LLM_USER_PATH to fill")
    parser.add_argument("--from-db", type=Path, required=True, help="a support history")
    parser.add_argument("--limit", type=int, default=None, help="only inquiries 1..N")
    args = parser.parse_args()
    print(json.dumps(fill(args.user_path, args.from_db, args.limit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
