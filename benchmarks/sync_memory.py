"""Peak memory of `support sync` over a mailbox of large answers (issue 13).

    .venv/bin/python benchmarks/sync_memory.py            # 3 answers of ~40 MB each
    .venv/bin/python benchmarks/sync_memory.py --mb 80    # ~80 MB each: past the 50 MB limit

A real Dovecot (tests/imapserver.py) gets N answers to one sent inquiry, each a short text
and one attachment of random bytes (base64, so the message is ~MB on the wire); then
`support sync` runs as a whole process, and its peak RSS (ru_maxrss) comes from os.wait4
in a small fresh wrapper (benchmarks/run.py's `run_process`). Also printed: the same sync
over a mailbox of small answers, for the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from imapserver import ImapServer, imap_env  # noqa: E402
from run import run_process  # noqa: E402


def answer(to_id: str, size: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "고객센터 <help@example.com>"
    msg["To"] = "hong@example.com"
    msg["Subject"] = "Re: 영수증"
    msg["Message-ID"] = make_msgid(domain="desk.example.com")
    msg["In-Reply-To"] = to_id
    msg.set_content("영수증을 첨부했습니다.")
    if size:
        data = os.urandom(size * 3 // 4)  # base64 makes it 4/3 as large
        msg.add_attachment(data, maintype="application", subtype="pdf", filename="big.pdf")
    return msg.as_bytes().replace(b"\n", b"\r\n")


# `support sync` with a reader that reads nothing (the message's text only from its
# first bytes): what the sync itself holds, fetching and keeping each message.
WITHOUT_READER = """
import sys
from supportcli.mail import inbound
from supportcli.mail.inbound import Incoming

def nothing(raw, limits=None):
    return Incoming(None, (), "help@example.com", "help@example.com", "", "", None,
                    "text", "text", (), ())

inbound.read_answer = nothing
from supportcli.cli.root import main
main(["sync"])
"""


def measure(
    count: int, size: int, limit_mb: float | None, *, reader: bool = True
) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as home, ImapServer(mode="ssl") as imap:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUPPORT_")},
            "SUPPORT_HOME": home,
            "SUPPORT_DESK_EMAIL": "help@example.com",
            **imap_env(imap),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        if limit_mb is not None:
            env["SUPPORT_IMAP_MAX_MESSAGE_MB"] = str(limit_mb)
        os.environ["SUPPORT_HOME"] = home
        from supportcli.store import db as store
        from supportcli.store import writes

        db = store.connect()
        inquiry = writes.create_inquiry(db, channel="email", topic="payment", status="sent")
        writes.add_message(db, inquiry_id=inquiry, role="customer", body="영수증이 필요해요")
        writes.add_envelope(
            db,
            inquiry_id=inquiry,
            sender="me@example.com",
            to=["help@example.com"],
            cc=[],
            message_id="<1.bench@example.com>",
        )
        with store.transaction(db):
            db.execute("UPDATE email SET sent_at = ?", (store.now(),))
        store.close_all()
        for _ in range(count):
            imap.append(answer("<1.bench@example.com>", size))
        command = ["-m", "supportcli", "sync"] if reader else ["-c", WITHOUT_READER]
        done = run_process([sys.executable, *command], env)
        return done.maxrss_kib / 1024, done.seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--mb", type=int, default=40)
    parser.add_argument("--limit-mb", type=float, default=None)
    args = parser.parse_args()
    small, _ = measure(args.count, 0, args.limit_mb)
    rss, seconds = measure(args.count, args.mb * 1024 * 1024, args.limit_mb)
    bare, _ = measure(args.count, args.mb * 1024 * 1024, args.limit_mb, reader=False)
    print(f"support sync, {args.count} small answers: peak RSS {small:.0f} MiB")
    print(
        f"the same large answers, the reader (inbound.read_answer) left out: "
        f"peak RSS {bare:.0f} MiB"
    )
    print(
        f"support sync, {args.count} answers of ~{args.mb} MB: peak RSS {rss:.0f} MiB, "
        f"{seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
