"""Every test runs against real files under its own SUPPORT_HOME, and drives the real
`support` command in a process of its own (forked from a warm interpreter: forkserver.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import forkserver
import pytest

ROOT = Path(__file__).resolve().parent.parent

# The interface speaks the locale's language: every test starts from English (the source
# language), whatever the machine's locale, before any supportcli module chooses one.
# A Korean test sets LANG=ko_KR.UTF-8 (or SUPPORT_LANG) for the program it runs.
for _name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "SUPPORT_LANG"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private SUPPORT_HOME for this test; no SUPPORT_* setting leaks in. The history
    connections the test opened in this process are closed at its end, as a command's are."""
    for name in list(os.environ):
        if name.startswith("SUPPORT_") or name == "PYTHON_KEYRING_BACKEND":
            monkeypatch.delenv(name)
    support_home = tmp_path / "home"
    monkeypatch.setenv("SUPPORT_HOME", str(support_home))
    # No system keyring in tests unless a test chooses one.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8")
    yield support_home
    store = sys.modules.get("supportcli.store.db")
    if store is not None:
        store.close_all()


def support(
    *args: str,
    input: str | bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    check: bool = False,
    fresh: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run the real program; standard input is a pipe (so never a terminal). It runs in a
    process of its own, forked from a warm interpreter that imported the program once
    (tests/forkserver.py); fresh=True starts a new interpreter, as `support` does."""
    data = input.encode() if isinstance(input, str) else input
    environ = {os.fsencode(k): os.fsencode(v) for k, v in {**os.environ, **(env or {})}.items()}
    code, out, err = forkserver.run(
        [os.fsencode(a) for a in args],
        stdin=data if data is not None else b"",
        env=environ,
        cwd=None,
        timeout=timeout,
        fresh=fresh,
    )
    result = subprocess.CompletedProcess(
        [sys.executable, "-m", "supportcli", *args],
        code,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"support {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.fixture
def run():  # type: ignore[no-untyped-def]
    return support


ENGINES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about SQLite's files or FTS5; not run on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test (or module) that uses the `engine` fixture runs once per history engine."""
    if "engine" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("engine", ENGINES[:1] if only else ENGINES, indirect=True)


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """One real PostgreSQL server for the whole run (see pgserver.py)."""
    from pgserver import PgServer, require_postgres

    require_postgres()
    with PgServer() as server:
        yield server


@pytest.fixture
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, home: Path) -> str:
    """The history engine: SQLite (a file under SUPPORT_HOME), or a fresh database on the
    test PostgreSQL server named by SUPPORT_DB."""
    if request.param == "postgresql":
        from supportcli.store import db as dbmod

        url = request.getfixturevalue("pg_server").fresh_database()
        monkeypatch.setenv("SUPPORT_DB", url)
        dbmod._VERIFIED_URLS.clear()
    return str(request.param)


@pytest.fixture
def db(home: Path):  # type: ignore[no-untyped-def]
    """A connection to this test's history, through the real store."""
    from supportcli.store.db import connect

    connection = connect()
    yield connection
    connection.close()


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="session")
def synapse():  # type: ignore[no-untyped-def]
    """One real Synapse homeserver per test process (xdist worker): see synapseserver.py."""
    from synapseserver import SynapseServer, require_synapse

    require_synapse()
    with SynapseServer() as server:
        yield server
