"""How long `support show` takes for one large body (issue 15: it was quadratic).

    SUPPORT_HOME=$(mktemp -d) python benchmarks/show_large.py 20            # 20 MB of lines
    SUPPORT_HOME=$(mktemp -d) python benchmarks/show_large.py 5 "words "    # one long line

The body is stored through the real store; `support show ID` runs to a pipe and is timed
from start to exit."""

from __future__ import annotations

import subprocess
import sys
import time

from supportcli.store import writes
from supportcli.store.db import connect


def main() -> None:
    megabytes = float(sys.argv[1])
    line = sys.argv[2] if len(sys.argv) > 2 else "결제가 실패했어요 payment failed, again 1234\n"
    body = line * int(megabytes * 1_000_000 / len(line.encode()))
    db = connect()
    inquiry = writes.create_inquiry(db, channel="chat", topic="payment", status="open")
    writes.add_message(db, inquiry_id=inquiry, role="customer", body=body)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "supportcli", "show", str(inquiry)], capture_output=True
    )
    took = time.perf_counter() - started
    print(f"{megabytes:g} MB: exit {done.returncode}, {len(done.stdout)} bytes out, {took:.2f} s")


if __name__ == "__main__":
    main()
