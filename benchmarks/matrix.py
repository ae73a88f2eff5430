"""The live counsellor's round trip (issue 22): a line the customer types in a piped
`support chat --agent matrix` goes to a real Synapse homeserver on loopback, the counsellor
(a second Matrix client, long-polling /sync) answers it the moment it arrives, and the
answer comes back to the customer's standard output. Measured from writing the line to
reading the answer; target: p95 under 500 ms.

    .venv/bin/python benchmarks/matrix.py [--messages 200] [--warmup 10]

Each round trip holds: the customer's line committed to the history, sent (PUT with a
transaction id), the counsellor's /sync woken, their PUT, the customer's /sync woken,
the answer committed to the history, then printed. Synapse runs as tests/synapseserver.py
starts it (SQLite, TLS with a trustme CA, on 127.0.0.1)."""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from synapseserver import Person, SynapseServer  # noqa: E402


def counsellor(desk: Person, room: str, customer: str, stop: threading.Event) -> None:
    """Answer each `ping N` with `pong N` as soon as /sync brings it."""
    seen = len(desk.messages_from(customer, room))
    while not stop.is_set():
        desk.sync(timeout_ms=5000)
        said = desk.messages_from(customer, room)
        for line in said[seen:]:
            if line.startswith("ping "):
                desk.send(room, "pong " + line.removeprefix("ping "))
        seen = len(said)


def floor(server: SynapseServer, count: int, warmup: int) -> list[float]:
    """The same round trip between two bare clients (tests/synapseserver.py's Person, no
    history, no terminal): what the homeserver itself costs."""
    customer_id, password = server.new_user("floor")
    desk_id, desk_password = server.new_user("floordesk")
    customer, desk = server.login(customer_id, password), server.login(desk_id, desk_password)
    room = customer.client.post("/_matrix/client/v3/createRoom", json={"invite": [desk_id]}).json()[
        "room_id"
    ]
    desk.join(desk.wait_invite())
    stop = threading.Event()
    threading.Thread(target=counsellor, args=(desk, room, customer_id, stop), daemon=True).start()
    customer.sync()
    times = []
    for n in range(warmup + count):
        started = time.perf_counter()
        customer.send(room, f"ping {n}")
        while f"pong {n}" not in customer.messages_from(desk_id, room):
            customer.sync(timeout_ms=5000)
        if n >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    stop.set()
    return times


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    return (
        f"{len(times)} messages: median {statistics.median(times):.0f} ms, "
        f"p95 {p95:.0f} ms, max {times[-1]:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    with SynapseServer() as server, tempfile.TemporaryDirectory() as home:
        print(f"synapse started in {server.started_in:.2f} s", flush=True)
        customer_id, password = server.new_user("customer")
        desk_id, desk_password = server.new_user("desk")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUPPORT_")},
            "SUPPORT_HOME": home,
            "SUPPORT_USER_NAME": "Bench",
            "SUPPORT_USER_EMAIL": "bench@example.com",
            "SUPPORT_MATRIX_HOMESERVER": server.url,
            "SUPPORT_MATRIX_CA_FILE": server.ca_file,
            "SUPPORT_MATRIX_USER": customer_id,
            "SUPPORT_MATRIX_PASSWORD": password,
            "SUPPORT_MATRIX_DESK": desk_id,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        chat = subprocess.Popen(
            [sys.executable, "-m", "supportcli", "chat", "--agent", "matrix"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        answers: queue.Queue[tuple[float, str]] = queue.Queue()

        def pump() -> None:
            assert chat.stdout is not None
            for raw in chat.stdout:
                line = raw.decode().strip()
                if line:
                    answers.put((time.perf_counter(), line))

        threading.Thread(target=pump, daemon=True).start()
        desk = server.login(desk_id, desk_password)
        room = desk.wait_invite()
        desk.join(room)
        stop = threading.Event()
        threading.Thread(
            target=counsellor, args=(desk, room, customer_id, stop), daemon=True
        ).start()
        assert chat.stdin is not None
        times = []
        for n in range(args.warmup + args.messages):
            started = time.perf_counter()
            chat.stdin.write(f"ping {n}\n".encode())
            chat.stdin.flush()
            while True:
                arrived, line = answers.get(timeout=30)
                if line == f"pong {n}":
                    break
            if n >= args.warmup:
                times.append((arrived - started) * 1000)
        stop.set()
        chat.stdin.write(b"/end\n")
        chat.stdin.flush()
        chat.wait(30)
        bare = floor(server, args.messages, args.warmup)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    print(
        f"round trip customer -> counsellor -> customer, {summary(times)} "
        f"(target p95 < 500 ms: {'met' if p95 < 500 else 'NOT met'})"
    )
    print(f"the same between two bare clients (the homeserver's floor): {summary(bare)}")


if __name__ == "__main__":
    main()
