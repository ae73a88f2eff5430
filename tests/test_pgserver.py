"""Tests of the PostgreSQL test server (tests/pgserver.py), driven with plain psycopg.

They prove what the rest of the suite relies on: the ``support`` role logs in over
TCP with its non-ASCII password (and a wrong one is refused), text round-trips as
UTF-8, `fresh_database` gives an empty database of its own, the server listens on
127.0.0.1 only, and stop() leaves no process and no folder behind -- also after a
failed test or a killed server.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator

import pytest

try:
    import pgserver
    import servers
    from pgserver import PgServer, PgServerError, processes_in, require_postgres
except ImportError:  # tests/ became a package
    from tests import (
        pgserver,  # type: ignore[no-redef]
        servers,  # type: ignore[no-redef]
    )
    from tests.pgserver import (  # type: ignore[no-redef]
        PgServer,
        PgServerError,
        processes_in,
        require_postgres,
    )

try:
    import psycopg
except ImportError:  # require_postgres() skips (or fails) every test then
    psycopg = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

KOREAN = "결제했는데 환불"


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    """One server for the module (the suite's own fixture is per session)."""
    require_postgres()
    with PgServer() as srv:
        yield srv


def libpq_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as libpq wants it."""
    assert url.startswith("postgresql+psycopg://"), url
    return "postgresql://" + url.removeprefix("postgresql+psycopg://")


def alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False


def listening_addresses(port: int) -> set[str]:
    """Local addresses of every TCP socket listening on `port` (Linux /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table, encoding="ascii") as f:
            for line in list(f)[1:]:
                fields = line.split()
                address, _, port_hex = fields[1].partition(":")
                if int(port_hex, 16) != port or fields[3] != "0A":  # 0A: LISTEN
                    continue
                if len(address) == 8:  # IPv4, little-endian hex
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(f"IPv6 {address}")
    return found


def test_support_role_logs_in_over_tcp_and_round_trips_korean(server: PgServer) -> None:
    require_postgres()
    assert server.url == (
        f"postgresql+psycopg://support:pg-p%C3%A4ssword@127.0.0.1:{server.port}/support"
    )
    assert server.url_without_password == (
        f"postgresql+psycopg://support@127.0.0.1:{server.port}/support"
    )
    assert server.password == "pg-pässword"
    for conninfo in (server.conninfo(), libpq_url(server.url)):
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT current_user, current_database(), host(inet_server_addr()),"
                " current_setting('server_encoding'), %s::text",
                [KOREAN],
            ).fetchone()
            assert row == ("support", "support", "127.0.0.1", "UTF8", KOREAN)
            # The role owns its database, so (PostgreSQL 15) may create tables in public.
            conn.execute("CREATE TABLE IF NOT EXISTS notes (body text)")
            conn.execute("INSERT INTO notes VALUES (%s)", [KOREAN])
            assert conn.execute("SELECT body FROM notes").fetchall()[-1] == (KOREAN,)
            conn.execute("DROP TABLE notes")
    with server.admin() as admin:
        row = admin.execute(
            "SELECT rolsuper, rolpassword FROM pg_authid WHERE rolname = 'support'"
        ).fetchone()
    assert row is not None
    assert row[0] is False
    assert row[1].startswith("SCRAM-SHA-256$")


def test_password_through_pgpassword(server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    require_postgres()
    monkeypatch.setenv("PGPASSWORD", server.password)
    with psycopg.connect(libpq_url(server.url_without_password), connect_timeout=5) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("support",)


def test_sqlalchemy_reads_the_percent_encoded_password(server: PgServer) -> None:
    require_postgres()
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine(server.url)
    try:
        assert engine.url.password == "pg-pässword"
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("SELECT :t"), {"t": KOREAN}).scalar() == KOREAN
    finally:
        engine.dispose()


@pytest.mark.parametrize("password", ["wrong", "pg-password", "PG-PÄSSWORD", ""])
def test_wrong_password_is_refused(
    server: PgServer, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)  # no ~/.pgpass either
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(
            host=server.host,
            port=server.port,
            user=server.user,
            password=password,
            dbname=server.dbname,
            connect_timeout=5,
        )
    message = str(caught.value)
    assert "password authentication failed" in message or "no password supplied" in message, message


def test_fresh_database_is_empty_separate_and_owned_by_support(server: PgServer) -> None:
    require_postgres()
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS only_in_support (id int)")
    try:
        started = time.perf_counter()
        first = server.fresh_database()
        elapsed = time.perf_counter() - started
        second = server.fresh_database("Ünïcode name")
        assert first != second
        assert second.endswith("/%C3%9Cn%C3%AFcode%20name")
        assert elapsed < 5, f"fresh_database() took {elapsed:.2f} s"
        for url in (first, second):
            name = url.rsplit("/", 1)[1]
            with psycopg.connect(libpq_url(url), connect_timeout=5) as conn:
                database, owner, tables = conn.execute(
                    "SELECT current_database(), pg_get_userbyid(datdba),"
                    " (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')"
                    " FROM pg_database WHERE datname = current_database()"
                ).fetchone()  # type: ignore[misc]
                assert (owner, tables) == ("support", 0)
                conn.execute("CREATE TABLE mine (body text)")  # allowed: it owns public
                conn.execute("INSERT INTO mine VALUES (%s)", [KOREAN])
            assert database in server.databases()
            server.drop_database(database)
            assert database not in server.databases()
            assert name  # the URL's last part names it
        server.drop_database("never_existed")  # no error
    finally:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute("DROP TABLE only_in_support")


def test_listens_only_on_127_0_0_1(server: PgServer) -> None:
    require_postgres()
    with server.admin() as admin:
        assert admin.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        sockets = admin.execute("SHOW unix_socket_directories").fetchone()
    assert sockets == (str(server.folder / "sock"),)  # type: ignore[operator]
    assert (server.folder / "sock" / f".s.PGSQL.{server.port}").exists()  # type: ignore[operator]
    if os.path.exists("/proc/net/tcp"):
        assert listening_addresses(server.port) == {"127.0.0.1"}
    others = [("127.0.0.2", socket.AF_INET), ("::1", socket.AF_INET6)]
    with contextlib.suppress(OSError):
        others.append((socket.gethostbyname(socket.gethostname()), socket.AF_INET))
    for address, family in others:
        if address == "127.0.0.1":
            continue
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:  # no IPv6 here
            continue
        with sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, server.port)) != 0, address


def test_stop_leaves_no_process_and_no_folder() -> None:
    require_postgres()
    srv = PgServer()
    conns: list[psycopg.Connection[tuple[object, ...]]] = []
    try:
        with pytest.raises(RuntimeError, match="a failing test"), srv:
            conns.append(psycopg.connect(srv.conninfo(), connect_timeout=5))
            conns.append(psycopg.connect(srv.conninfo(), connect_timeout=5))
            conns[1].execute("SELECT 1")  # left idle in a transaction
            folder, data_dir, pid = srv.folder, srv.data_dir, srv.pid
            live = processes_in(data_dir) if data_dir is not None else []
            raise RuntimeError("a failing test")
        assert folder is not None and data_dir is not None and pid is not None
        assert pid in live
        assert len(live) >= 4  # postmaster, 2 backends, checkpointer, ...
        assert processes_in(data_dir) == []
        assert not any(alive(p) for p in live)
        assert not folder.exists()
        assert srv.folder is None and srv.pid is None and not srv.running
        assert "database system is shut down" in srv.log_text()
        with pytest.raises(psycopg.OperationalError):
            conns[0].execute("SELECT 1")
    finally:
        for conn in conns:
            conn.close()
    srv.stop()  # idempotent


def test_kill_restart_and_stop() -> None:
    require_postgres()
    with PgServer() as srv:
        assert srv.data_dir is not None
        data_dir, port = srv.data_dir, srv.port
        url = srv.fresh_database("kept")
        with psycopg.connect(srv.conninfo(), connect_timeout=5) as conn:
            srv.kill()
            assert not srv.running
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT 1")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(srv.conninfo(), connect_timeout=5).close()
        srv.restart()  # sweeps up the orphaned backends, then crash recovery
        assert srv.running and srv.port == port
        with psycopg.connect(libpq_url(url), connect_timeout=5) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("kept",)
        srv.fresh_database()  # the cached admin connection recovers too
        srv.kill()
    assert processes_in(data_dir) == []
    assert not data_dir.exists()


def test_start_failure_raises_with_the_log_and_cleans_up() -> None:
    require_postgres()
    srv = PgServer(settings={"max_connections": "lots"})
    with pytest.raises(PgServerError, match='invalid value for parameter "max_connections"'):
        srv.start()
    assert srv.folder is None and srv.pid is None


def test_require_postgres_skips_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgserver, "postgres_missing_reason", lambda: "no PostgreSQL here")
    monkeypatch.setattr(servers, "_REQUIRE_SERVERS", False)
    monkeypatch.delenv(pgserver.REQUIRE_SERVERS_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL here"):
        require_postgres()
    monkeypatch.setenv(pgserver.REQUIRE_SERVERS_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="SUPPORT_REQUIRE_SERVERS=1 forbids"):
        require_postgres()
