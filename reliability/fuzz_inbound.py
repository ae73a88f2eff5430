"""Mutated mail through `mail.inbound.read_answer`, in-process: nothing may escape.

    python reliability/fuzz_inbound.py [--count 30000] [--seed 1] [--json PATH]

Seeds: the Python test suite's email messages (Debian's libpython3.11-testsuite, when
installed) and our client layouts in tests/data/mail. Each round takes a seed and applies
one to three mutations: byte flips, truncation, boundary damage, header values swapped for
hostile ones (the list from issue 13), charsets and transfer encodings swapped, parts
duplicated, and the message wrapped in multiparts nested up to 1,500 deep. A failure is an
exception out of read_answer, or an output string that cannot be encoded as UTF-8; and,
counted apart, a message read_answer could only read by its last resort (an exception of
our own parser, caught). Exit status 0 only when both are 0."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/usr/lib/python3.11/test/test_email/data")
FIXTURES = ROOT / "tests" / "data" / "mail"
sys.path.insert(0, str(ROOT))

from supportcli.mail import inbound  # noqa: E402  (after the path above)

HOSTILE_HEADERS = [
    b"From: a@",
    b'From: "',
    b"From: <",
    b"From: =?utf-7?B?K2QgLQ==?= <x@y.z>",
    b"From: =?utf-8?B?7ZmN?==?utf-8?Q?=ZZ?= <@>",
    b"Date: 31 Dec 9999 23:59:59 -1200",
    b"Date: 1 Jan 0001 00:00:00 +1400",
    b"Date: Wed, 99 Foo 2026 99:99:99 +9999",
    b"Message-ID: <" + b"x" * 2000 + b"@example.com>",
    b"Message-ID: <\xed\x95\x9c@example.com>",
    b"References: " + b" ".join(b"<r%d@example.com>" % i for i in range(500)),
    b"In-Reply-To: <<<>>>",
    b"Subject: =?utf-7?Q?+2D3cAw-?=",
    b"Subject: =?unknown-8bit?B?\xff\xfe?=",
    b"Subject: =?x-windows-949?B?sO2wtA?=",
    b"Subject: \xb0\xed\xb0\xb4 raw cp949",
    b"Content-Type: text/plain; charset=unknown-8bit",
    b"Content-Type: text/plain; charset=windows-874",
    b"Content-Type: text/plain; charset=iso-8859-8-i",
    b"Content-Type: text/plain; charset=x-windows-949",
    b'Content-Type: text/plain; charset=""',
    b"Content-Type: text/plain; charset=utf-7",
    b"Content-Type: text/plain; charset=rot13",
    b"Content-Type: multipart/mixed",
    b'Content-Type: multipart/mixed; boundary=""',
    b"Content-Type: message/rfc822",
    b"Content-Type: application/ms-tnef; name=winmail.dat",
    b"Content-Disposition: attachment; filename=../../../etc/passwd",
    b"Content-Disposition: attachment; filename*=utf-8''%E2%80%AEgpj.exe",
    b"Content-Disposition: attachment; filename*0*=x-bogus''%ff; filename*1*=%fe",
    b'Content-Disposition: attachment; filename="=?utf-7?B?K2QgLQ?="',
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: x-uuencode",
]
CHARSETS = [
    b"euc-kr", b"cp949", b"ks_c_5601-1987", b"iso-2022-kr", b"utf-7", b"unknown-8bit",
    b"windows-874", b"iso-8859-8-i", b"x-windows-949", b"", b"bogus", b"base64", b"idna",
]  # fmt: skip


def seeds() -> list[bytes]:
    found = sorted(CORPUS.glob("msg_*.txt")) + sorted(FIXTURES.glob("*.eml"))
    return [p.read_bytes() for p in found]


def flip(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[: rng.randrange(len(raw) + 1)]


def boundaries(raw: bytes, rng: random.Random) -> bytes:
    found = re.findall(rb'boundary="?([^";\r\n]+)', raw)
    if not found:
        return flip(raw, rng)
    boundary = rng.choice(found)
    damage = rng.choice([b"", boundary[:-1], boundary + b"--", b"x" + boundary, boundary * 2])
    lines = raw.split(b"\n")
    marked = [i for i, line in enumerate(lines) if boundary in line]
    for i in rng.sample(marked, k=max(1, len(marked) // 2)):
        lines[i] = lines[i].replace(boundary, damage)
    return b"\n".join(lines)


def headers(raw: bytes, rng: random.Random) -> bytes:
    """A hostile header value put in the message's own head or a part's head."""
    hostile = rng.choice(HOSTILE_HEADERS)
    name = hostile.split(b":", 1)[0]
    heads = [m.start() for m in re.finditer(rb"(?:\A|\n\n|\r\n\r\n|\n--[^\n]+\n)", raw)]
    at = rng.choice(heads) if heads else 0
    at = raw.find(b"\n", at + 1) + 1 if at else 0
    cleaned = re.sub(rb"(?im)^" + re.escape(name) + rb":[^\n]*\n", b"", raw, count=1)
    return cleaned[:at] + hostile + b"\r\n" + cleaned[at:]


def charsets(raw: bytes, rng: random.Random) -> bytes:
    return re.sub(rb'charset="?[^";\s]*"?', b"charset=" + rng.choice(CHARSETS), raw)


def encodings(raw: bytes, rng: random.Random) -> bytes:
    kinds = [b"base64", b"quoted-printable", b"8bit", b"x-uuencode", b"bogus"]
    return re.sub(
        rb"(?i)(Content-Transfer-Encoding:) *\S+",
        lambda m: m.group(1) + b" " + rng.choice(kinds),
        raw,
    )


def duplicate(raw: bytes, rng: random.Random) -> bytes:
    parts = raw.split(b"\n--")
    if len(parts) < 3:
        return raw + raw[: rng.randrange(len(raw) + 1)]
    i = rng.randrange(1, len(parts))
    copies = rng.choice([2, 10, 200])
    return b"\n--".join(parts[:i] + [parts[i]] * copies + parts[i + 1 :])


def nest(raw: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([2, 40, 300, 1500])
    head = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(depth)
    )
    tail = b"".join(b"\r\n--n%d--\r\n" % i for i in reversed(range(depth)))
    return b"Subject: nested\r\n" + head + raw + tail


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    flip, truncate, boundaries, headers, charsets, encodings, duplicate, nest,
]  # fmt: skip


def mutate(raw: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        raw = rng.choice(MUTATIONS)(raw, rng)
    return raw


LAST_RESORT = "could not be read as MIME"


def check(raw: bytes) -> str | None:
    """None when read_answer took it; else what went wrong. The last-resort reading (our
    own bug caught inside read_answer) counts apart: see run()."""
    try:
        got = inbound.read_answer(raw)
        if got.notes and got.notes[0].startswith(LAST_RESORT):
            return LAST_RESORT + ": " + got.notes[0]
        fields = [got.sender, got.sender_address, got.subject, got.date, got.text, got.full_text]
        fields += [got.message_id or "", got.at or "", *got.refers_to, *got.notes]
        fields += [f.name for f in got.files] + [f.content_type for f in got.files]
        for value in fields:
            value.encode("utf-8")
        inbound.thread_ids(raw[:65536])
    except Exception:
        return traceback.format_exc(limit=4)
    return None


def run(count: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    pool = seeds()
    failures: list[str] = []
    last_resort = 0
    started = time.perf_counter()
    for _ in range(count):
        found = check(mutate(rng.choice(pool), rng))
        if found is not None and found.startswith(LAST_RESORT):
            last_resort += 1
        elif found is not None:
            failures.append(found)
    return {
        "messages": count,
        "seeds": len(pool),
        "exceptions": len(failures),
        "last_resort_readings": last_resort,
        "seconds": round(time.perf_counter() - started, 1),
        "first_failures": failures[:3],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.count, args.seed)
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if figures["exceptions"] == figures["last_resort_readings"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
