"""Write a realistic support history through the project's own store functions.

    python benchmarks/generate.py --db PATH --inquiries N --messages M [--seed S]
    python benchmarks/generate.py --db postgresql+psycopg://... (an empty database) ...

Every row goes through `supportcli.store.writes` (create_inquiry, add_message,
add_attachment, add_envelope, update_inquiry), so the real triggers keep the full-text
index and the inquiry's last_role/last_message_at in step, exactly as in use. The only
liberties taken for speed and realism:

* one connection from `supportcli.store.db.connect`, with `PRAGMA synchronous=OFF` while
  generating, and one `with transaction(db):` per batch of inquiries;
* the store's clock (`writes.now`) is replaced by a simulated one, so that created_at
  spreads over the two years before now and increases with id (messages of an inquiry lie
  between its start and the next inquiry's start);
* attachment rows describe files that are not written (their sha256 is made up); on
  PostgreSQL, whose attachment rows need their bytes in the database, each is a small real
  file instead.

The history is about 60% chats and 40% emails, topics weighted like real use, statuses
spread per channel, half Korean and half English, 200-2,000 characters per message, roles
alternating customer/agent.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import FILENAMES, TOPIC_WEIGHTS, TOPICS, TextMaker  # noqa: E402

from supportcli.store import writes  # noqa: E402
from supportcli.store.attachments import StoredFile, keep_bytes  # noqa: E402
from supportcli.store.db import connect, index_pending, transaction  # noqa: E402
from supportcli.store.dialect import is_postgres_url  # noqa: E402

CHAT_SHARE = 0.6
KOREAN_SHARE = 0.5
CHAT_STATUSES = {"open": 0.08, "resolved": 0.6, "unresolved": 0.17, "escalated": 0.15}
EMAIL_STATUSES = {
    "draft": 0.04,
    "queued": 0.02,
    "sent": 0.22,
    "failed": 0.02,
    "answered": 0.45,
    "closed": 0.25,
}
EMAIL_ANSWERED = ("answered", "closed")  # the only emails with replies in them
ATTACHMENT_SHARE = 0.06
YEARS = 2
BATCH_INQUIRIES = 500  # one transaction per ~5,000 rows at 10 messages per inquiry


class Clock:
    """What `writes.now()` returns while generating."""

    def __init__(self) -> None:
        self.value = ""

    def __call__(self) -> str:
        return self.value


def plan(rng: random.Random, inquiries: int, messages: int):
    """(channel, status, lang, topic, message count) for every inquiry, counts summing
    exactly to `messages`: unanswered emails hold one message, the rest at least two,
    and the remainder goes to chats (mostly) and answered emails in a heavy-tailed way."""
    rows = []
    for _ in range(inquiries):
        channel = "chat" if rng.random() < CHAT_SHARE else "email"
        statuses = CHAT_STATUSES if channel == "chat" else EMAIL_STATUSES
        status = rng.choices(list(statuses), weights=list(statuses.values()))[0]
        lang = "ko" if rng.random() < KOREAN_SHARE else "en"
        topic = rng.choices(TOPICS, weights=TOPIC_WEIGHTS)[0]
        rows.append([channel, status, lang, topic, 1])
    growable = [i for i, r in enumerate(rows) if r[0] == "chat" or r[1] in EMAIL_ANSWERED]
    for i in growable:
        rows[i][4] = 2
    left = messages - sum(r[4] for r in rows)
    if left < 0:  # very few messages: fall back to one each, then as many twos as fit
        for r in rows:
            r[4] = 1
        left = messages - inquiries
        if left < 0:
            raise SystemExit("--messages must be at least --inquiries")
        growable = growable[:left]
        for i in growable:
            rows[i][4] = 2
        left -= len(growable)
    if left and growable:
        weights = [
            (3.0 if rows[i][0] == "chat" else 1.0) * rng.lognormvariate(0, 0.8) for i in growable
        ]
        for i in rng.choices(growable, weights=weights, k=left):
            rows[i][4] += 1
    return rows


def stamps(rng: random.Random, count: int, end: datetime) -> list[datetime]:
    start = end - timedelta(days=365 * YEARS)
    span = (end - start).total_seconds()
    return [start + timedelta(seconds=s) for s in sorted(rng.random() * span for _ in range(count))]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def generate(path: str, inquiries: int, messages: int, seed: int, quiet: bool = False) -> dict:
    rng = random.Random(seed)
    text = TextMaker(seed)
    started = time.perf_counter()
    rows = plan(rng, inquiries, messages)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    starts = stamps(rng, inquiries, end)
    starts.append(end + timedelta(minutes=30))

    clock = Clock()
    real_now = writes.now
    writes.now = clock  # the store stamps rows with the simulated time
    postgres = is_postgres_url(path)
    db = connect(path if postgres else f"sqlite:///{Path(path).absolute()}")
    if not postgres:
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -262144")  # 256 MiB page cache, this connection only
    total_messages = attachments = envelopes = 0
    escalated: list[int] = []
    try:
        for batch_start in range(0, inquiries, BATCH_INQUIRIES):
            with transaction(db):
                for i in range(batch_start, min(batch_start + BATCH_INQUIRIES, inquiries)):
                    channel, status, lang, topic, count = rows[i]
                    t0, t1 = starts[i], starts[i + 1]
                    gap = (t1 - t0).total_seconds()
                    # a chat answer comes within minutes, an email answer within days;
                    # squeezed so that the next inquiry still starts later
                    step = rng.uniform(20, 240) if channel == "chat" else rng.uniform(3600, 172800)
                    step = min(step, gap * 0.9 / count)
                    bodies = [
                        text.message(lang, "customer" if n % 2 == 0 else "agent", topic)
                        for n in range(count)
                    ]
                    if channel == "chat":
                        first = " ".join(bodies[0].split())
                        subject = first if len(first) <= 80 else first[:79] + "…"
                    else:
                        subject = text.subject(lang, topic)
                    parent = None
                    if channel == "email" and escalated and rng.random() < 0.25:
                        parent = escalated.pop()
                    clock.value = iso(t0)
                    inquiry_id = writes.create_inquiry(
                        db,
                        channel=channel,
                        topic=topic,
                        status=status,
                        subject=subject,
                        agent="kb" if channel == "chat" else None,
                        parent_id=parent,
                    )
                    if channel == "chat" and status == "escalated":
                        escalated.append(inquiry_id)
                    first_message = None
                    for n, body in enumerate(bodies):
                        clock.value = iso(t0 + timedelta(seconds=step * (n + 0.5)))
                        role = "customer" if n % 2 == 0 else "agent"
                        meta = None
                        if channel == "chat" and role == "agent":
                            meta = {
                                "agent": "kb",
                                "helpful": rng.random() < 0.7,
                                "citations": [
                                    {
                                        "title": f"{topic} help",
                                        "link": f"https://help.example.com/{lang}/articles/"
                                        f"{topic}-{rng.randint(1, 40)}",
                                    }
                                ],
                            }
                        message_id = writes.add_message(
                            db,
                            inquiry_id=inquiry_id,
                            role=role,
                            body=body,
                            meta=meta,
                            rfc_message_id=(
                                f"<r{inquiry_id}.{n}.{rng.getrandbits(32):08x}@desk.example.com>"
                                if channel == "email" and role == "agent"
                                else None
                            ),
                        )
                        total_messages += 1
                        if first_message is None:
                            first_message = message_id
                    if rng.random() < ATTACHMENT_SHARE:  # files sent with the first message
                        clock.value = iso(t0 + timedelta(seconds=step * 0.5))
                        for _ in range(rng.choice((1, 1, 1, 2, 3))):
                            name, ctype = rng.choice(FILENAMES)
                            stored = StoredFile(
                                filename=name,
                                size=rng.randint(2_000, 4_000_000),
                                sha256=f"{rng.getrandbits(256):064x}",
                                content_type=ctype,
                            )
                            if postgres:
                                stored = keep_bytes(rng.randbytes(2_000), name)
                            writes.add_attachment(
                                db, inquiry_id=inquiry_id, message_id=first_message, stored=stored
                            )
                            attachments += 1
                    if channel == "email":
                        sender = (
                            "고객 <customer@example.com>"
                            if lang == "ko"
                            else ("Customer <customer@example.com>")
                        )
                        writes.add_envelope(
                            db,
                            inquiry_id=inquiry_id,
                            sender=sender,
                            to=["help@example.com"],
                            cc=["team@example.com"] if rng.random() < 0.05 else [],
                            message_id=f"<{inquiry_id}.{rng.getrandbits(64):016x}@example.com>",
                        )
                        envelopes += 1
                    rated = rng.random() < 0.5
                    if channel == "chat" and status in ("resolved", "unresolved") and rated:
                        writes.update_inquiry(db, inquiry_id, rating=rng.randint(1, 5))
            index_pending(db)  # the batch's inquiry-level search rows, as a command's end does
            if not quiet:
                done = min(batch_start + BATCH_INQUIRIES, inquiries)
                rate = total_messages / max(time.perf_counter() - started, 1e-9)
                print(
                    f"\r{done:,}/{inquiries:,} inquiries, {total_messages:,} messages "
                    f"({rate:,.0f} messages/s)",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
        if not postgres:
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            db.execute("ANALYZE")
    finally:
        writes.now = real_now
        db.close()
    seconds = time.perf_counter() - started
    if not quiet:
        print(file=sys.stderr)
    return {
        "inquiries": inquiries,
        "messages": total_messages,
        "attachments": attachments,
        "envelopes": envelopes,
        "seconds": round(seconds, 1),
        "bytes": 0 if postgres else os.path.getsize(path),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", required=True, help="SQLite file to create (must not exist), or a PostgreSQL URL"
    )
    parser.add_argument("--inquiries", type=int, required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not is_postgres_url(args.db):
        if os.path.exists(args.db):
            parser.error(f"{args.db} exists; pick a new path (the generator appends nothing)")
        Path(args.db).absolute().parent.mkdir(parents=True, exist_ok=True)
    result = generate(args.db, args.inquiries, args.messages, args.seed, args.quiet)
    where = args.db
    if is_postgres_url(where):
        from supportcli.store.postgres import safe_url

        where = safe_url(where)
    print(
        f"{where}: {result['inquiries']:,} inquiries, {result['messages']:,} messages, "
        f"{result['envelopes']:,} envelopes, {result['attachments']:,} attachments, "
        f"{result['bytes'] / 2**20:,.0f} MiB in {result['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
