"""A real, local PostgreSQL server for tests: its own throw-away cluster.

Usage::

    with PgServer() as pg:                           # initdb + start: about 0.5 s
        pg.url              # postgresql+psycopg://support:pg-p%C3%A4ssword@127.0.0.1:PORT/support
        pg.url_without_password                      # ... for a password given via PGPASSWORD
        with psycopg.connect(pg.conninfo()) as conn: # the `support` role, over TCP
            ...
        url = pg.fresh_database()                    # a new, empty database owned by `support`
        pg.drop_database(name)                       # (WITH FORCE: open sessions are ended)
        with pg.admin() as conn:                     # superuser, autocommit
            ...
        pg.kill()                                    # SIGKILL: simulate a dead server
        pg.restart()                                 # same port, same data (crash recovery)

Meant to be started once per test session (initdb and start take about half a
second, a fast shutdown about 0.3 s) with `fresh_database` per test (~10-20 ms on
tmpfs; see Where).

``initdb`` creates a cluster in a fresh temporary folder (``data/``; encoding
UTF8, locale ``C.UTF-8``, ``trust`` on the unix socket, ``scram-sha-256`` over
TCP, a superuser ``admin`` with a random password). Then ``pg_ctl -w start``
starts it on a free port (its pid is read from ``postmaster.pid``, so it can
always be killed). Everything lives in that
folder: the cluster, the unix socket directory (``sock/``), and the server's log
(``postgres.log``; see `PgServer.log_text`). The server listens on a free port on
``127.0.0.1`` only (``listen_addresses``), and trades durability for speed
(``fsync``, ``synchronous_commit`` and ``full_page_writes`` off). stop() (or
leaving the ``with`` block) does a fast shutdown, kills whatever is left of the
server, and deletes the folder; a server that is never stopped is cleaned up the
same way when the object is garbage-collected or Python exits (but not if the
test process is SIGKILLed: then the server and its folder stay).

After start, a login role ``support`` with the non-ASCII password ``"pg-pässword"``
(stored as SCRAM) owns a database ``support``. Since PostgreSQL 15 only the
database owner may create tables in ``public``, which the ``support`` role is.

This module deliberately has no pytest dependency (except `require_postgres`,
which imports pytest when called); psycopg (3) is imported when needed.

Where
    The folder goes to ``/dev/shm`` if that is a tmpfs with at least 1 GiB free,
    else to the temporary directory (``/tmp`` if that path is long or, as root,
    closed to ``postgres``); ``PgServer(parent=...)`` overrides this. tmpfs
    matters: CREATE DATABASE creates ~300 files, and on an ext4 disk that is
    busy (say, with another test run) each creation can take a millisecond, so
    `fresh_database` took 50-300 ms there instead of ~10 ms. Docker's default
    ``/dev/shm`` (64 MB) is too small and is not used. WAL is capped
    (``max_wal_size=256MB``) so that many databases do not pile up gigabytes.

Which PostgreSQL
    `find_binaries` looks for a directory with ``initdb``, ``pg_ctl`` and
    ``postgres``: ``pg_config --bindir``, then ``/usr/lib/postgresql/*/bin``
    (Debian; newest version first), then ``PATH``.

Running as root (CI)
    initdb and postgres refuse to run as root. As root they run as the
    ``postgres`` user (Debian's package creates it), via subprocess's ``user=``,
    ``group=`` and ``extra_groups=[]``, and the folder and what is written into it
    belong to that user. The folder is made under the temporary directory if
    ``postgres`` can reach it, else under ``/tmp``. As a non-root user everything
    runs as that user.

Processes
    The postmaster's children call setsid(), so they are not in its process
    group; what identifies all of them is their working directory, the data
    directory. stop() runs ``pg_ctl stop -m fast`` (sessions are ended), then
    SIGKILLs every process whose working directory is
    the data directory (`processes_in`) until none is left (zombies waiting for
    init do not count). kill() SIGKILLs only the postmaster; its backends notice
    and exit on their own, and stop() or restart() sweeps up the rest.

Skipping
    `postgres_missing_reason()` returns None if a server can be run here, else
    why not. `require_postgres()` turns that into ``pytest.skip(reason)`` -- or,
    when the environment variable ``SUPPORT_REQUIRE_SERVERS=1`` is set (CI should
    set it), into ``pytest.fail(reason)`` so that a missing server cannot
    silently skip tests. The variable is read when this module is imported,
    because the suite's autouse ``home`` fixture removes every ``SUPPORT_*``
    variable before each test runs.

Debian package: ``postgresql`` (or ``postgresql-15``); psycopg: ``psycopg[binary]``.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

try:
    from servers import REQUIRE_SERVERS_ENV, require
except ImportError:  # tests/ became a package
    from tests.servers import REQUIRE_SERVERS_ENV, require  # type: ignore[no-redef]

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "ADMIN_USER",
    "DEFAULT_DBNAME",
    "DEFAULT_PASSWORD",
    "DEFAULT_USER",
    "HOST",
    "REQUIRE_SERVERS_ENV",
    "PgServer",
    "PgServerError",
    "find_binaries",
    "postgres_missing_reason",
    "processes_in",
    "require_postgres",
]

HOST = "127.0.0.1"
DEFAULT_USER = "support"
DEFAULT_PASSWORD = "pg-pässword"
DEFAULT_DBNAME = "support"
ADMIN_USER = "admin"
#: The OS user initdb and postgres run as when this process is root.
SERVICE_USER = "postgres"


_NEEDED = ("initdb", "pg_ctl", "postgres")

#: Server settings (``postgres -c``): loopback only, and fast rather than durable.
SETTINGS = {
    "listen_addresses": HOST,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    # Each CREATE DATABASE writes ~8 MB of WAL; checkpoint (cheap without fsync)
    # often rather than keep up to 1 GB of it (in RAM if the folder is on tmpfs).
    "max_wal_size": "256MB",
    "min_wal_size": "32MB",
    # Dynamic shared memory as files in the data directory, not /dev/shm/PostgreSQL.*
    # segments, which a killed server leaves behind on the machine.
    "dynamic_shared_memory_type": "mmap",
}

#: Preferred parent of the folder when it is a tmpfs with this much room: creating a
#: database creates ~300 files, which on a busy ext4 can take ~1 ms each.
SHM_DIR = "/dev/shm"
SHM_MIN_FREE = 1 << 30

STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 10.0
CONNECT_TIMEOUT = 10


class PgServerError(RuntimeError):
    """The server could not be created, started or stopped (the message has the log)."""


# ------------------------------------------------------------------ availability


def _version_key(bindir: str) -> tuple[int, ...]:
    """(15,) for /usr/lib/postgresql/15/bin, (9, 6) for .../9.6/bin."""
    name = os.path.basename(os.path.dirname(bindir))
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (-1,)


def _has_binaries(bindir: str) -> bool:
    return all(os.access(os.path.join(bindir, name), os.X_OK) for name in _NEEDED)


@functools.cache
def find_binaries() -> str | None:
    """The directory holding initdb, pg_ctl and postgres, or None.

    Tries ``pg_config --bindir``, then ``/usr/lib/postgresql/*/bin`` (newest
    version first), then every directory on PATH (and where a symlinked
    ``initdb`` on PATH really lives).
    """
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [pg_config, "--bindir"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
            candidates.append(done.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates += [os.path.dirname(initdb), os.path.dirname(os.path.realpath(initdb))]
    candidates += [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    for bindir in candidates:
        if bindir and _has_binaries(bindir):
            return bindir
    return None


def _service_user() -> pwd.struct_passwd | None:
    """The user the server runs as: None for "this process's user" (not root)."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam(SERVICE_USER)


def postgres_missing_reason() -> str | None:
    """None if a PostgreSQL server can be run here, else why not."""
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg (version 3) is not installed (pip install 'psycopg[binary]')"
    if find_binaries() is None:
        return (
            "PostgreSQL server programs (initdb, pg_ctl, postgres) not found "
            "(Debian: apt-get install postgresql)"
        )
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return (
                f"running as root, which PostgreSQL refuses, and there is no "
                f"{SERVICE_USER!r} user to run it as"
            )
        if user.pw_uid == 0:
            return f"the {SERVICE_USER!r} user is uid 0, which PostgreSQL refuses"
    return None


def require_postgres() -> None:
    """Skip the calling test if PostgreSQL is missing -- or fail it if
    ``SUPPORT_REQUIRE_SERVERS=1`` is set (see servers.py)."""
    require(postgres_missing_reason())


# ------------------------------------------------------------------ processes


def processes_in(data_dir: str | os.PathLike[str]) -> list[int]:
    """Pids of live (not zombie) processes whose working directory is `data_dir`:
    the postmaster and all its children. Linux only (/proc); [] elsewhere.

    Processes of other users are invisible to a non-root caller, which is fine:
    the server runs as the caller unless the caller is root.
    """
    target = os.path.realpath(data_dir)
    found = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
                with open(f"/proc/{entry}/stat", "rb") as f:
                    state = f.read().rsplit(b")", 1)[-1].split()[0]
            except (OSError, IndexError):
                continue
            # A deleted directory reads as "PATH (deleted)".
            if cwd.removesuffix(" (deleted)") == target and state not in (b"Z", b"X"):
                found.append(int(entry))
    return found


@dataclass
class _Running:
    """What the cleanup needs (shared with the weakref.finalize safety net)."""

    folder: Path | None = None
    data_dir: Path | None = None
    pid: int | None = None  # the postmaster's, from postmaster.pid
    bindir: str | None = None
    service: bool = False  # pg_ctl runs as the `postgres` user (we are root)
    last_log: str = ""
    leftovers: list[int] = field(default_factory=list)


def _shutdown(run: _Running, timeout: float = SHUTDOWN_TIMEOUT) -> None:
    """`pg_ctl stop -m fast`, then SIGKILL every process left in the data directory.
    Raises PgServerError if some would not die."""
    run.pid = None
    if run.data_dir is None:
        return
    if run.bindir is not None and processes_in(run.data_dir):
        service = _service_user() if run.service else None
        ids: dict[str, Any] = (
            {"user": service.pw_uid, "group": service.pw_gid, "extra_groups": []}
            if service is not None
            else {}
        )
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(
                [os.path.join(run.bindir, "pg_ctl"), "-D", str(run.data_dir), "-m", "fast",
                 "-w", "-t", str(int(timeout)), "stop"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=_child_env(),
                cwd=run.folder,
                timeout=timeout + 5,
                **ids,
            )  # fmt: skip
    deadline = time.monotonic() + 10
    while live := processes_in(run.data_dir):
        if time.monotonic() > deadline:
            run.leftovers = live
            raise PgServerError(f"PostgreSQL processes {live} in {run.data_dir} did not exit")
        for pid in live:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
    # A killed postmaster, daemonized by pg_ctl, may stay a zombie (where pid 1 does not
    # reap), and postgres takes a zombie's pid in its lock files for a live server.
    stale = [run.data_dir / "postmaster.pid"]
    if run.folder is not None:
        stale += (run.folder / "sock").glob(".s.PGSQL.*")
    for path in stale:
        path.unlink(missing_ok=True)


def _cleanup(run: _Running) -> None:
    """Stop the server (see `_shutdown`) and delete its folder."""
    try:
        _shutdown(run)
    finally:
        if run.folder is not None:
            with contextlib.suppress(OSError):
                run.last_log = (run.folder / "postgres.log").read_text("utf-8", "replace")
            shutil.rmtree(run.folder, ignore_errors=True)
            run.folder = run.data_dir = None


# ------------------------------------------------------------------ helpers


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _reachable_by(path: str, uid: int, gid: int) -> bool:
    """Whether `uid` can traverse every directory down to `path` (mode bits only)."""
    p = Path(path).resolve()
    for d in [p, *p.parents]:
        try:
            st = d.stat()
        except OSError:
            return False
        mode = st.st_mode
        if st.st_uid == uid:
            ok = mode & stat.S_IXUSR
        elif st.st_gid == gid:
            ok = mode & stat.S_IXGRP
        else:
            ok = mode & stat.S_IXOTH
        if not ok:
            return False
    return True


def _is_roomy_tmpfs(path: str) -> bool:
    """Whether `path` is a tmpfs mount point with at least SHM_MIN_FREE bytes free."""
    try:
        with open("/proc/mounts", encoding="utf-8", errors="replace") as f:
            mounts = [line.split() for line in f]
        st = os.statvfs(path)
    except OSError:
        return False
    is_tmpfs = any(len(m) > 2 and m[1] == path and m[2] == "tmpfs" for m in mounts)
    return is_tmpfs and st.f_bavail * st.f_frsize >= SHM_MIN_FREE


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


def _child_env() -> dict[str, str]:
    """This environment minus libpq/server variables (PGDATA, PGPORT, ...)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


# ------------------------------------------------------------------ the server


class PgServer:
    """A private PostgreSQL cluster on 127.0.0.1; see the module docstring.

    Attributes:
        host, port          where to connect (port is known once started)
        user, password      the ``support`` login role (password may be non-ASCII)
        dbname              its database, ``support``
        admin_user, admin_password   the superuser (random password)
        url                 ``postgresql+psycopg://`` URL of ``support``@``dbname``
        url_without_password  the same without the password
        folder, data_dir    the temporary folder and the cluster in it (None when stopped)
        bindir              where initdb/postgres came from
        pid                 the postmaster's pid while started (also after kill())
    """

    def __init__(
        self,
        *,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        dbname: str = DEFAULT_DBNAME,
        settings: dict[str, str] | None = None,
        parent: str | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        self.host = HOST
        self.port: int = 0
        self.user = user
        self.password = password
        self.dbname = dbname
        self.admin_user = ADMIN_USER
        self.admin_password = secrets.token_urlsafe(18)
        self.settings = {**SETTINGS, **(settings or {})}
        self.parent = parent
        self.startup_timeout = startup_timeout
        self.bindir: str | None = None
        self._run = _Running()
        self._finalizer: weakref.finalize | None = None
        self._admin_conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._log_offset = 0

    # ------------------------------------------------------------------ public

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<PgServer {self.host}:{self.port} {state}>"

    @property
    def folder(self) -> Path | None:
        return self._run.folder

    @property
    def data_dir(self) -> Path | None:
        return self._run.data_dir

    @property
    def pid(self) -> int | None:
        return self._run.pid

    @property
    def running(self) -> bool:
        pid = self._run.pid
        return (
            pid is not None
            and self._run.data_dir is not None
            and pid in processes_in(self._run.data_dir)
        )

    @property
    def url(self) -> str:
        """``postgresql+psycopg://support:<password>@127.0.0.1:<port>/support``."""
        return self.url_for(self.dbname)

    @property
    def url_without_password(self) -> str:
        """`url` without the password (give it through PGPASSWORD)."""
        return self.url_for(self.dbname, password=False)

    def url_for(self, dbname: str, *, password: bool = True) -> str:
        """The ``postgresql+psycopg://`` URL of database `dbname` as the login role."""
        auth = quote(self.user, safe="")
        if password:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def conninfo(self, dbname: str | None = None) -> str:
        """A libpq conninfo string (for ``psycopg.connect``) as the login role."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
        )

    def connect(self, dbname: str | None = None, **kwargs: Any) -> psycopg.Connection[Any]:
        """A new psycopg connection as the login role; close it (or use ``with``)."""
        import psycopg

        kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
        return psycopg.connect(self.conninfo(dbname), **kwargs)

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """A new autocommit psycopg connection as the superuser, over TCP."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.admin_user,
            password=self.admin_password,
            dbname=dbname,
            sslmode="disable",  # the server has no TLS; ignore a PGSSLMODE
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
        )

    def fresh_database(self, name: str | None = None) -> str:
        """Create an empty database owned by the login role (a random name if
        None); returns its `url_for` (with the password)."""
        from psycopg import sql

        name = name or f"test_{secrets.token_hex(6)}"
        self._admin_execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(self.user)
            )
        )
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database `name` if it exists, ending any sessions still in it."""
        from psycopg import sql

        self._admin_execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def databases(self) -> list[str]:
        """Names of all databases except the templates."""
        with self._lock:
            rows = self._admin_cursor_execute(
                "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname"
            )
        return [row[0] for row in rows]

    def start(self) -> None:
        """initdb, start the server, create the login role and its database (or
        raise PgServerError with the relevant log)."""
        reason = postgres_missing_reason()
        if reason is not None:
            raise PgServerError(reason)
        if self._run.folder is not None:
            raise RuntimeError("PgServer already started")
        self.bindir = find_binaries()
        try:
            self._prepare_folder()
            self._initdb()
            for attempt in range(3):  # the free port may be taken in between
                self.port = _free_port(self.host)
                if self._launch():
                    break
                new_log = self._log_since_launch()
                if "already in use" not in new_log or attempt == 2:
                    raise PgServerError(
                        f"PostgreSQL did not start on {self.host}:{self.port}.\n"
                        f"--- log (tail) ---\n{_tail(self.log_text())}"
                    )
            self._create_role_and_database()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Fast shutdown, kill whatever is left, delete the folder. Idempotent."""
        self._close_admin()
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        _cleanup(self._run)

    def kill(self) -> None:
        """SIGKILL the postmaster (a crashed server); stop()/restart() still work."""
        self._close_admin()
        pid = self._run.pid
        if pid is not None and self.running:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while self.running and time.monotonic() < deadline:
                time.sleep(0.01)

    def restart(self) -> None:
        """Shut the server down (or sweep up after kill()) and start it again on
        the same port with the same data."""
        if self._run.folder is None:
            raise RuntimeError("PgServer is not started")
        self._close_admin()
        _shutdown(self._run)
        if not self._launch():
            raise PgServerError(
                f"PostgreSQL did not restart on {self.host}:{self.port}.\n"
                f"--- log (tail) ---\n{_tail(self.log_text())}"
            )

    def log_text(self) -> str:
        """The server's log (stderr of initdb and postgres); after stop(), the
        log as it was just before the folder was deleted."""
        folder = self._run.folder
        if folder is None:
            return self._run.last_log
        parts = []
        for name in ("initdb.log", "postgres.log"):
            with contextlib.suppress(FileNotFoundError):
                parts.append((folder / name).read_text("utf-8", errors="replace"))
        return "".join(parts)

    # ---------------------------------------------------------------- internal

    def _popen_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "stdin": subprocess.DEVNULL,
            "env": _child_env(),
            "cwd": self._run.folder,  # root's cwd may be closed to `postgres`
        }
        service = _service_user()
        if service is not None:
            kwargs.update(user=service.pw_uid, group=service.pw_gid, extra_groups=[])
        return kwargs

    def _chown(self, path: Path) -> None:
        service = _service_user()
        if service is not None:
            os.chown(path, service.pw_uid, service.pw_gid)

    def _parent_dir(self) -> str:
        """Where the folder goes: `parent` if given, else /dev/shm if it is a roomy
        tmpfs, else the temporary directory -- or /tmp if that path is long (the
        socket path, sock/.s.PGSQL.PORT, must stay below ~107 bytes), contains
        white space, or (as root) is closed to the ``postgres`` user."""
        if self.parent is not None:
            return self.parent
        if _is_roomy_tmpfs(SHM_DIR) and os.access(SHM_DIR, os.W_OK | os.X_OK):
            parent = SHM_DIR
        else:
            parent = tempfile.gettempdir()
            if len(parent) > 40 or any(c.isspace() for c in parent):
                parent = "/tmp"
        service = _service_user()
        if service is not None and not _reachable_by(parent, service.pw_uid, service.pw_gid):
            parent = "/tmp"
        return parent

    def _prepare_folder(self) -> None:
        parent = self._parent_dir()
        folder = Path(os.path.realpath(tempfile.mkdtemp(prefix="pgsrv-", dir=parent)))
        self._run.folder = folder
        self._run.data_dir = folder / "data"
        self._chown(folder)  # mode 0700 from mkdtemp
        (folder / "sock").mkdir(mode=0o700)
        self._chown(folder / "sock")
        self._finalizer = weakref.finalize(self, _cleanup, self._run)

    def _initdb(self) -> None:
        folder, bindir = self._run.folder, self.bindir
        assert folder is not None and bindir is not None
        pwfile = folder / "pwfile"
        pwfile.touch(mode=0o600)
        self._chown(pwfile)
        pwfile.write_text(self.admin_password + "\n", encoding="utf-8")
        log = folder / "initdb.log"
        try:
            with open(log, "wb") as out:
                self._chown(log)
                done = subprocess.run(
                    [
                        os.path.join(bindir, "initdb"),
                        "--pgdata",
                        str(self._run.data_dir),
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                        "--auth-local=trust",
                        "--auth-host=scram-sha-256",
                        f"--username={self.admin_user}",
                        f"--pwfile={pwfile}",
                        "--no-sync",  # throw-away cluster: no fsync of ~40 MB
                        "--no-instructions",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=120,
                    **self._popen_kwargs(),
                )
        finally:
            pwfile.unlink()
        if done.returncode != 0:
            raise PgServerError(
                f"initdb failed (exit {done.returncode}).\n--- output (tail) ---\n"
                f"{_tail(log.read_text('utf-8', errors='replace'))}"
            )

    def _log_since_launch(self) -> str:
        assert self._run.folder is not None
        with open(self._run.folder / "postgres.log", "rb") as f:
            f.seek(self._log_offset)
            return f.read().decode("utf-8", errors="replace")

    def _launch(self) -> bool:
        """`pg_ctl start -w`; True once the server accepts connections, False if it
        did not start (the log says why)."""
        folder, data_dir, bindir = self._run.folder, self._run.data_dir, self.bindir
        assert folder is not None and data_dir is not None and bindir is not None
        settings = {**self.settings, "port": str(self.port)}
        settings["unix_socket_directories"] = str(folder / "sock")
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        log = folder / "postgres.log"
        with open(log, "ab") as out:
            self._log_offset = out.tell()
        self._chown(log)
        self._run.bindir = bindir
        self._run.service = _service_user() is not None
        done = subprocess.run(
            [os.path.join(bindir, "pg_ctl"), "-D", str(data_dir), "-l", str(log),
             "-o", options, "-w", "-t", str(int(self.startup_timeout)), "start"],
            capture_output=True,
            timeout=self.startup_timeout + 10,
            **self._popen_kwargs(),
        )  # fmt: skip
        if done.returncode != 0:
            _shutdown(self._run)  # whatever a half-started server left
            return False
        lines = (data_dir / "postmaster.pid").read_text("utf-8", errors="replace").splitlines()
        self._run.pid = int(lines[0])
        return True

    def _create_role_and_database(self) -> None:
        from psycopg import sql

        self._admin_execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(self.user), sql.Literal(self.password)
            )
        )
        self._admin_execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(self.dbname), sql.Identifier(self.user)
            )
        )

    def _admin_cursor_execute(self, query: Any) -> list[tuple[Any, ...]]:
        """Run `query` on the cached admin connection (caller holds the lock);
        reconnect once if that connection broke (e.g. after restart())."""
        import psycopg

        for attempt in (1, 2):
            if self._admin_conn is None or self._admin_conn.broken or self._admin_conn.closed:
                self._close_admin_unlocked()
                self._admin_conn = self.admin()
            try:
                with self._admin_conn.cursor() as cur:
                    cur.execute(query)
                    return cur.fetchall() if cur.description else []
            except psycopg.OperationalError:
                if attempt == 2 or not self._admin_conn.broken:
                    raise
        raise AssertionError("unreachable")

    def _admin_execute(self, query: Any) -> None:
        with self._lock:
            self._admin_cursor_execute(query)

    def _close_admin_unlocked(self) -> None:
        conn, self._admin_conn = self._admin_conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _close_admin(self) -> None:
        with self._lock:
            self._close_admin_unlocked()
