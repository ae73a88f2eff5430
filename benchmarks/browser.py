"""Time the history browser (issue 20) on a history: its first screen in a real
pseudo-terminal, and search as you type, keystroke by keystroke.

    python benchmarks/browser.py --db benchmarks/data/history-100k.db
    python benchmarks/run.py --db benchmarks/data/history-100k.db --only browser --no-peer

- **First screen**: `support history` started in an 80x24 pseudo-terminal (pexpect), its
  output fed to a terminal emulator (pyte); the time from spawning it to the moment the
  newest inquiry's row is drawn, then q. The CPU time is the whole session's (the
  process's rusage after it exits: start, first screen, q).
- **Keystrokes**: the browser in-process under Textual's own harness (headless, 80x24):
  `/`, then each character of a few searches typed one at a time (Korean syllables as an
  IME commits them); each keystroke's time runs from the key press to the moment the
  list shows that text's results (the light debounce included). Read-only: the history
  is never written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# What is typed: a common Korean word, two words, an English word, a rare one.
SEARCHES = ("환불", "결제 영수증", "invoice", "위젯")


def first_screen(env: dict[str, str], runs: int, warmup: int) -> dict[str, object]:
    """`support history` in an 80x24 pty: wall time to the newest row, and CPU time."""
    import pexpect  # the test extra's: the benchmark runs in the project's virtualenv
    import pyte

    support = str(Path(sys.executable).parent / "support")
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    newest = _newest(env)
    walls, cpus = [], []
    for n in range(warmup + runs):
        screen = pyte.Screen(80, 24)
        stream = pyte.Stream(screen)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        child = pexpect.spawn(support, ["history"], env=env, encoding="utf-8", dimensions=(24, 80))
        deadline = started + 60
        while not any(f" {newest} " in row for row in screen.display):
            if time.perf_counter() > deadline:
                raise RuntimeError("no first screen:\n" + "\n".join(screen.display))
            with contextlib.suppress(pexpect.TIMEOUT):
                stream.feed(child.read_nonblocking(65536, timeout=0.005))
        wall = time.perf_counter() - started
        child.send("q")
        child.expect(pexpect.EOF, timeout=30)
        child.close()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if child.exitstatus != 0:
            raise RuntimeError(f"support history exited {child.exitstatus}")
        if n >= warmup:
            walls.append(wall)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {"wall": walls, "cpu": cpus}


# `support history` with one hook: when its first frame has been drawn, the process's CPU
# time so far (interpreter start included) is written down and the browser quits.
FIRST_FRAME = """
import resource, sys
import supportcli.browser.app as app
from supportcli.cli.root import main

mounted = app.ListScreen.on_mount

def on_mount(self):
    mounted(self)
    self.call_after_refresh(drawn, self)

def drawn(screen):
    used = resource.getrusage(resource.RUSAGE_SELF)
    with open(sys.argv[1], "w") as out:
        out.write(str(used.ru_utime + used.ru_stime))
    screen.app.exit(0)

app.ListScreen.on_mount = on_mount
main(["history"])
"""


def first_frame_cpu(env: dict[str, str], runs: int) -> list[float]:
    """The CPU time of `support history` up to its first frame, in an 80x24 pty: what the
    first screen costs on an idle machine, where a loaded one adds waiting to the wall."""
    import tempfile

    import pexpect  # as in first_screen

    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    found = []
    with tempfile.NamedTemporaryFile("r") as report:
        for _ in range(runs):
            child = pexpect.spawn(
                sys.executable, ["-c", FIRST_FRAME, report.name], env=env, dimensions=(24, 80)
            )
            child.expect(pexpect.EOF, timeout=60)
            child.close()
            report.seek(0)
            found.append(float(report.read()))
    return found


def _newest(env: dict[str, str]) -> int:
    support = str(Path(sys.executable).parent / "support")
    out = subprocess.run(
        [support, "list", "-n", "1", "--json"], env=env, capture_output=True, check=True
    ).stdout
    return int(json.loads(out)[0]["id"])


def keystrokes(env: dict[str, str]) -> dict[str, object]:
    """Each keystroke's time to its results, measured in a process of its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--keys-here"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.splitlines()[-1])


def _keys_here() -> dict[str, object]:
    from textual import events

    from supportcli.browser.app import HistoryApp, ListScreen

    times: dict[str, list[float]] = {}
    cpu: list[float] = []  # each keystroke's CPU time: the work, without the waiting

    async def typed(app: HistoryApp, screen: ListScreen, key: str, char: str, text: str) -> float:
        """Send one key as the terminal's input does; the time until the list showing
        `text`'s results has been drawn. (The pilot's own press() waits for the whole
        machine to go idle, which on a shared machine measures the neighbours.)"""
        started, used = time.perf_counter(), time.process_time()
        app._driver.send_message(events.Key(key, char))  # type: ignore[union-attr]
        while screen.view.search != text:
            await asyncio.sleep(0.0005)
        drawn = asyncio.Event()
        screen.call_after_refresh(drawn.set)
        await drawn.wait()
        cpu.append(time.process_time() - used)
        return time.perf_counter() - started

    async def go() -> None:
        app = HistoryApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for words in SEARCHES:
                screen = app.screen
                assert isinstance(screen, ListScreen)
                await pilot.press("slash")
                text = ""
                for char in words:
                    text += char
                    key = "space" if char == " " else char
                    times.setdefault(words, []).append(await typed(app, screen, key, char, text))
                    await asyncio.sleep(0.15)  # a person's pace between keys
                await pilot.press("escape", "escape")  # back to the list, search cleared
                await pilot.pause(0.2)
            await pilot.press("q")

    asyncio.run(go())
    return {"per_search": times, "cpu": cpu}


def summary(figures: list[float]) -> str:
    ordered = sorted(figures)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (
        f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="the history (SUPPORT_DB)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--keys-here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.keys_here:
        print(json.dumps(_keys_here()))
        return 0
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.db:
        env["SUPPORT_DB"] = str(args.db.absolute())
    first = first_screen(env, args.runs, args.warmup)
    print("first screen:", summary(first["wall"]), "; CPU", summary(first["cpu"]))  # type: ignore[arg-type]
    cpu = first_frame_cpu(env, args.runs)
    print("CPU to the first frame:", summary(cpu))
    keys = keystrokes(env)
    every = [t for ts in keys["per_search"].values() for t in ts]  # type: ignore[union-attr]
    print("keystrokes:", summary(every), "; CPU", summary(keys["cpu"]))  # type: ignore[arg-type]
    for words, ts in keys["per_search"].items():  # type: ignore[union-attr]
        print(f"  {words}: " + ", ".join(f"{t * 1000:.0f}" for t in ts) + " ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
