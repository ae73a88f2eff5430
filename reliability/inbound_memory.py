"""Memory and time of reading one large answer (`mail.inbound.read_answer`).

    python reliability/inbound_memory.py [--json PATH]

Each message is built here and written to a file; a fresh subprocess reads the file (so
the message is one `bytes`, as IMAP hands it over) and then reads the answer once for the
time and the peak resident memory (Linux's VmHWM, reset just before reading), and once
more under tracemalloc for the peak of Python allocations while reading (the message
itself not counted)."""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD = (
    b"From: Desk <help@example.com>\r\nSubject: big\r\nMessage-ID: <m@x.com>\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "답변입니다.\r\n".encode() * 100
)


def with_file(size: int) -> bytes:
    data = base64.encodebytes(os.urandom(size)).replace(b"\n", b"\r\n")
    part = b"\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\n"
    return HEAD + part + b"Content-Transfer-Encoding: base64\r\n\r\n" + data + b"--b--\r\n"


def many_parts(count: int) -> bytes:
    parts = (
        b"\r\n--b\r\nContent-Type: application/octet-stream; name=f%d.bin\r\n\r\n%d" % (i, i)
        for i in range(count)
    )
    return HEAD + b"".join(parts) + b"\r\n--b--\r\n"


def html_only(size: int) -> bytes:
    html = "<p>고객님 <b>안녕하세요</b> <a href='https://x.example/y'>링크</a></p>\n".encode()
    head = b"Subject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    return (head + html * (size // len(html) + 1))[:size]


CASES = {
    "50 MB answer (text + one 36 MB file)": lambda: with_file(36 * 2**20),
    "60 MB answer (past the 50 MB limit)": lambda: with_file(44 * 2**20),
    "10,000-part answer": lambda: many_parts(10_000),
    "HTML-only answer, 2 MB of HTML": lambda: html_only(2 * 2**20),
}

_CHILD = r"""
import json, re, sys, time, tracemalloc
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from supportcli.mail import inbound

def kb(field):  # Linux's own counters: ru_maxrss would carry the parent's peak over exec
    return int(re.search(field + r":\s+(\d+)", Path("/proc/self/status").read_text()).group(1))

raw = Path(sys.argv[1]).read_bytes()
inbound.read_answer(b"Subject: warm\r\nContent-Type: text/html\r\n\r\n<p>warm</p>")
Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
before = kb("VmRSS")
started = time.perf_counter()
got = inbound.read_answer(raw)
seconds = time.perf_counter() - started
after = kb("VmHWM")
figures = {
    "message_mb": round(len(raw) / 2**20, 1),
    "seconds": round(seconds, 2),
    "rss_before_mb": round(before / 1024, 1),
    "peak_rss_mb": round(after / 1024, 1),
    "rss_growth_mb": round((after - before) / 1024, 1),
    "files": len(got.files),
    "text_chars": len(got.text),
    "notes": list(got.notes)[:2],
}
del got
tracemalloc.start()
inbound.read_answer(raw)
figures["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
print(json.dumps(figures, ensure_ascii=False))
"""


def measure(raw: bytes) -> dict[str, object]:
    with tempfile.NamedTemporaryFile(suffix=".eml") as file:
        file.write(raw)
        file.flush()
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, file.name, str(ROOT)],
            capture_output=True,
            text=True,
            check=True,
        )
    return dict(json.loads(done.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    figures = {name: measure(build()) for name, build in CASES.items()}
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
