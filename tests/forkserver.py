"""`python -m supportcli` in a process forked from a warm interpreter, for the tests.

Most of a short `support` run is the interpreter starting and importing typer, click and
the program (~150 ms CPU of a `support list`'s ~190 ms), and the suite runs `support` a
thousand times and more. So each test process starts one server (lazily, on its first run)
that imports the program once and then forks a child per run. The child is still a separate
process: standard input, output and error are its own pipes, it has the run's environment
(os.environ rebuilt, so getenv sees it too), working directory and argv (bytes, decoded as
the interpreter decodes them), its exit code or signal is the run's, and nothing it does
reaches the next run. What it shares with the server is the interpreter's start-up and the
imports done there (see PRELOAD: nothing that the program tests with `sys.modules`).

Where the start-up itself could make a difference, the run goes to a fresh interpreter
instead (`python -m supportcli` by subprocess, as before): when the run's environment sets
a variable the interpreter or an imported module reads while starting (STARTUP_VARIABLES:
PYTHONPATH, the locale, TZ, ...) differently from the server's, when the caller asks for
fresh=True, and for every run when SUPPORT_TEST_FORK=0 is in the environment pytest
starts with (to compare: the suite must pass both ways).
"""

from __future__ import annotations

import atexit
import os
import pickle
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Mapping

# Read when the test process starts: the tests' `home` fixture removes SUPPORT_* names.
ENABLED = os.environ.get("SUPPORT_TEST_FORK", "1") != "0"

# Imported by the server before it forks: what the commands the tests run import (found
# with `python -X importtime -m supportcli ...`). supportcli.ui.interrupt asks whether
# prompt_toolkit was imported, so the server refuses to start if it (or questionary) was;
# the runs then go to fresh interpreters, with a warning.
PRELOAD = (
    "supportcli.cli.root",
    "supportcli.store.db",
    "supportcli.store.reads",
    "supportcli.store.writes",
    "supportcli.store.search",
    "supportcli.store.migrations",
    "supportcli.history",
    "supportcli.records",
    "supportcli.render.export",
    "supportcli.render.human",
    "supportcli.mail.service",
    "supportcli.mail.outbox",
    "supportcli.mail.message",
    "supportcli.mail.sender",
    "supportcli.chat.service",
    "supportcli.ui.chat_io",
    "supportcli.store.postgres",  # and psycopg: the PostgreSQL half of the suite
    "psycopg",
    "email_validator",
    "keyring",
    "rich.console",
    "rich.markdown",
    "smtplib",
    "sqlite3",
)
NOT_PRELOADED = ("prompt_toolkit", "questionary")

# Read by the interpreter (or by a module PRELOAD imports) while starting, not later.
STARTUP_VARIABLES = (
    *("PYTHON", "LC_", "LANG", "TZ"),  # the interpreter
    *("TYPER_", "_TYPER_", "TERMINAL_WIDTH", "PSYCOPG_"),  # typer, psycopg (its libpq binding)
)

_HEADER = struct.Struct("!Q")
_STATUS = struct.Struct("!i")


def _startup_env(env: Mapping[bytes, bytes]) -> dict[bytes, bytes]:
    marks = tuple(m.encode() for m in STARTUP_VARIABLES)
    return {k: v for k, v in env.items() if k.startswith(marks)}


class Unfit(Exception):
    """The server cannot stand in for a fresh interpreter (see PRELOAD)."""


class ForkServer:
    """One server per test process; `run` is safe to call from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._startup: dict[bytes, bytes] = {}
        self.unfit = ""  # why runs go to fresh interpreters after all (see PRELOAD)

    def _start(self) -> socket.socket:
        if self._sock is not None and self._proc is not None and self._proc.poll() is None:
            return self._sock
        ours, theirs = socket.socketpair()
        # Pipes, as `subprocess.run(..., input=..., capture_output=True)` gives a fresh
        # interpreter: its sys.stdin/stdout/stderr are built for these (TextIOWrapper notes
        # whether the file can seek), and each child puts its own pipes at the same fds.
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(theirs.fileno()), ",".join(NOT_PRELOADED)]
            + list(PRELOAD),
            pass_fds=[theirs.fileno()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        theirs.close()
        hello = ours.recv(1000)
        if hello != b"ready":
            ours.close()
            _, err = self._proc.communicate()
            reason = hello.decode() or err.decode(errors="replace")[-2000:]
            raise Unfit(reason or "the fork server did not start")
        self._sock = ours
        self._startup = _startup_env(os.environb)
        return ours

    def fits(self, env: Mapping[bytes, bytes]) -> bool:
        """Whether a forked child starts as a fresh interpreter with `env` would."""
        return _startup_env(env) == (self._startup if self._sock else _startup_env(os.environb))

    def spawn(self, args: list[bytes], env: Mapping[bytes, bytes], cwd: str | None) -> Child:
        pipes = [os.pipe() for _ in range(3)]
        status_r, status_w = os.pipe()
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1], status_w]
        payload = pickle.dumps((args, dict(env), cwd or os.getcwd()))
        try:
            with self._lock:
                sock = self._start()
                socket.send_fds(sock, [_HEADER.pack(len(payload)) + payload], theirs)
                answer = _recv_exactly(sock, _STATUS.size)
        finally:
            for fd in theirs:
                os.close(fd)
        pid = _STATUS.unpack(answer)[0]
        return Child(pid, pipes[0][1], pipes[1][0], pipes[2][0], status_r)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()  # the server ends when it reads the end of its socket
            self._sock = None
        if self._proc is not None:
            self._proc.communicate(timeout=10)  # its end, and its pipes closed
            self._proc = None


class Child:
    """A forked run: feed stdin, collect stdout/stderr and the exit status."""

    def __init__(self, pid: int, stdin: int, stdout: int, stderr: int, status: int) -> None:
        self.pid = pid
        self._fds = (stdin, stdout, stderr, status)

    def communicate(self, data: bytes, timeout: float | None) -> tuple[int, bytes, bytes]:
        """As Popen.communicate: stdin written, then closed; every output read to its end
        (the status pipe ends when the server has reaped the child)."""
        stdin, stdout, stderr, status = self._fds
        out = {stdout: bytearray(), stderr: bytearray(), status: bytearray()}
        view = memoryview(data)
        sel = selectors.DefaultSelector()
        for fd in out:
            sel.register(fd, selectors.EVENT_READ)
        if view:
            os.set_blocking(stdin, False)
            sel.register(stdin, selectors.EVENT_WRITE)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            if not view:
                os.close(stdin)
            while sel.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    os.kill(self.pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(["support"], timeout or 0)
                for key, _ in sel.select(left):
                    if key.fd == stdin:
                        try:
                            view = view[os.write(stdin, view[:65536]) :]
                        except BrokenPipeError:
                            view = view[:0]
                        if view:
                            continue
                    elif chunk := os.read(key.fd, 65536):
                        out[key.fd] += chunk
                        continue
                    sel.unregister(key.fd)
                    os.close(key.fd)
        finally:
            for fd in sel.get_map():
                os.close(fd)
            sel.close()
        (wait_status,) = _STATUS.unpack(bytes(out[status]))
        return os.waitstatus_to_exitcode(wait_status), bytes(out[stdout]), bytes(out[stderr])


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise RuntimeError("the fork server ended (its traceback is in the test output)")
        data += chunk
    return data


_SERVER_INSTANCE = ForkServer()


def run(
    args: list[bytes],
    *,
    stdin: bytes,
    env: Mapping[bytes, bytes],
    cwd: str | os.PathLike[str] | None,
    timeout: float | None,
    fresh: bool = False,
) -> tuple[int, bytes, bytes]:
    """`python -m supportcli ARGS` with `env` (the whole environment); (code, out, err)."""
    server = _SERVER_INSTANCE
    if fresh or not ENABLED or server.unfit or not server.fits(env):
        done = subprocess.run(
            [os.fsencode(sys.executable), b"-m", b"supportcli", *args],
            input=stdin,
            capture_output=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
        )
        return done.returncode, done.stdout, done.stderr
    try:
        child = server.spawn(args, env, os.fspath(cwd) if cwd is not None else None)
    except Unfit as exc:
        server.unfit = str(exc)
        warnings.warn(f"forkserver: {exc}; every run starts a fresh interpreter", stacklevel=2)
        return run(args, stdin=stdin, env=env, cwd=cwd, timeout=timeout, fresh=True)
    return child.communicate(stdin, timeout)


def stop() -> None:
    _SERVER_INSTANCE.close()


# Waited for, so that its children's CPU time is counted in this process's (time -v).
atexit.register(stop)


# --------------------------------------------------------------------------- the server
# Run as `python -c _SERVER FD MODULE...`: started like `python -m supportcli` (so sys.path
# and the standard streams are set up as for it), with FD its end of the socket.

_SERVER = r'''
import gc, importlib, os, pickle, selectors, signal, socket, struct, sys

HEADER, STATUS = struct.Struct("!Q"), struct.Struct("!i")
sock = socket.socket(fileno=int(sys.argv[1]))
NOT_PRELOADED = sys.argv[2].split(",")
for name in sys.argv[3:]:
    importlib.import_module(name)
    early = [m for m in NOT_PRELOADED if m in sys.modules]
    if early:
        sock.sendall(f"importing {name} imported {early}".encode())
        sys.exit(0)
# The help texts were translated while the modules above were imported: a run whose
# language differs (SUPPORT_LANG, ui.language in its config) needs a fresh interpreter.
from supportcli import i18n
SERVED_LANGUAGE = i18n.language()
sock.sendall(b"ready")
wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False)
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
gc.freeze()  # the preloaded objects stay shared with the children, not copied by gc
statuses = {}  # pid -> the write end of the client's status pipe


def recv_exactly(size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def child(args, env, cwd, fds):
    """Become `python -m supportcli ARGS` as a fresh interpreter would run it."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.chdir(cwd)
    os.environ.clear()
    os.environb.update(env)
    sys.argv = ["-m", *map(os.fsdecode, args)]
    sys.path[0] = os.getcwd()  # what -m puts first
    gc.unfreeze()
    i18n.reset()
    if i18n.language() != SERVED_LANGUAGE:
        os.execv(sys.executable, [sys.executable, "-m", "supportcli", *args])
    import runpy, threading, atexit
    code = 0
    try:
        runpy.run_module("supportcli", run_name="__main__", alter_sys=True)
    except SystemExit as done:  # as the interpreter ends on it (Py_HandleSystemExit)
        if done.code is None:
            code = 0
        elif isinstance(done.code, int):
            code = done.code
        else:
            print(done.code, file=sys.stderr)
            code = 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            code = 120
    os._exit(code & 0xFF)


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            try:
                os.write(fd, STATUS.pack(status))
            except OSError:  # the client gave up on this run (a timeout)
                pass
            os.close(fd)


sel = selectors.DefaultSelector()
sel.register(sock, selectors.EVENT_READ)
sel.register(wake_r, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fd == wake_r:
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
            reap()
            continue
        head, fds, _, _ = socket.recv_fds(sock, HEADER.size, 4)
        if not head:
            sys.exit(0)
        if len(head) < HEADER.size:
            head += recv_exactly(HEADER.size - len(head))
        args, env, cwd = pickle.loads(recv_exactly(HEADER.unpack(head)[0]))
        pid = os.fork()
        if pid == 0:
            try:
                child(args, env, cwd, fds)
            finally:
                os._exit(70)
        for fd in fds[:3]:
            os.close(fd)
        statuses[pid] = fds[3]
        sock.sendall(STATUS.pack(pid))
        reap()
'''
