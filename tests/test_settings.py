"""Paths, settings, identity and the password's keyring."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import vault
from conftest import assert_one_line_error


def test_config_path_under_support_home(run, home):
    result = run("config", "path")
    assert result.returncode == 0
    assert f"config: {home / 'config.toml'}" in result.stdout
    assert f"database: {home / 'history.db'}" in result.stdout
    assert f"data: {home}" in result.stdout


def test_config_path_without_support_home_uses_platform_folders(run, tmp_path, monkeypatch):
    monkeypatch.delenv("SUPPORT_HOME")
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = run("config", "path", env=env)
    assert f"config: {tmp_path / 'cfg' / 'support' / 'config.toml'}" in result.stdout
    assert f"database: {tmp_path / 'data' / 'support' / 'history.db'}" in result.stdout


def test_support_db_overrides_the_database(run, tmp_path):
    target = tmp_path / "elsewhere" / "mine.db"
    result = run("config", "path", env={"SUPPORT_DB": str(target)})
    assert f"database: {target}" in result.stdout
    result = run("list", env={"SUPPORT_DB": f"sqlite:///{target}"})
    assert result.returncode == 0, result.stderr
    assert target.exists()


def test_set_show_and_environment_override(run, home):
    assert run("config", "set", "desk.email", "help@example.com").returncode == 0
    assert run("config", "set", "smtp.security", "starttls").returncode == 0
    shown = json.loads(run("config", "show", "--json").stdout)
    assert shown["desk.email"] == "help@example.com"
    assert shown["smtp.port"] == 587  # follows the security default
    assert shown["smtp.password"] == "not set"
    shown = json.loads(
        run("config", "show", "--json", env={"SUPPORT_DESK_EMAIL": "other@example.com"}).stdout
    )
    assert shown["desk.email"] == "other@example.com"
    config = home / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert 'email = "help@example.com"' in config.read_text()


def test_every_contract_variable_is_honoured(run):
    env = {
        "SUPPORT_USER_NAME": "홍길동",
        "SUPPORT_USER_EMAIL": "hong@example.com",
        "SUPPORT_USER_ACCOUNT": "acct-1",
        "SUPPORT_DESK_EMAIL": "desk@example.com",
        "SUPPORT_SMTP_HOST": "smtp.example.com",
        "SUPPORT_SMTP_PORT": "2525",
        "SUPPORT_SMTP_SECURITY": "none",
        "SUPPORT_SMTP_USER": "login",
        "SUPPORT_SMTP_TIMEOUT": "5",
        "SUPPORT_SMTP_CA_FILE": "/tmp/ca.pem",
        "SUPPORT_CHAT_AGENT": "kb",
        "SUPPORT_KB_DIR": "/tmp/kb",
    }
    shown = json.loads(run("config", "show", "--json", env=env).stdout)
    assert shown["user.name"] == "홍길동"
    assert shown["smtp.port"] == 2525
    assert shown["smtp.timeout"] == 5.0
    assert shown["smtp.user"] == "login"
    assert shown["chat.kb_dir"] == "/tmp/kb"
    assert shown["imap.user"] == "login"  # imap.user defaults to smtp.user


def test_bad_settings_are_refused(run, home):
    assert_one_line_error(run("config", "set", "nope.key", "x"), 2)
    assert_one_line_error(run("config", "set", "smtp.port", "seventy"), 2)
    assert_one_line_error(run("config", "set", "smtp.security", "tls"), 2)
    assert_one_line_error(run("config", "set", "user.email", "not-an-address"), 2)
    assert_one_line_error(run("config", "set", "user.name", "a\nb"), 2)
    assert not (home / "config.toml").exists()


def test_login_and_logout(run, home):
    result = run("login", "--name", "김민수", "--email", "minsu@예시.한국", "--account", "u-42")
    assert result.returncode == 0, result.stderr
    shown = json.loads(run("config", "show", "--json").stdout)
    assert shown["user.name"] == "김민수"
    assert shown["user.email"] == "minsu@예시.한국"
    assert shown["smtp.user"] == "minsu@예시.한국"
    assert run("logout").returncode == 0
    shown = json.loads(run("config", "show", "--json").stdout)
    assert shown["user.name"] is None and shown["user.email"] is None


def test_login_without_a_terminal_names_the_missing_flag(run):
    result = run("login", "--name", "Kim")
    assert_one_line_error(result, 2)
    assert "--email" in result.stderr


def test_password_without_a_keyring_points_to_the_environment(run, home):
    run("login", "--name", "Kim", "--email", "kim@example.com", check=True)
    result = run("config", "password", input="hunter2-비밀\n")
    assert_one_line_error(result, 1)
    assert "SUPPORT_SMTP_PASSWORD" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    for path in home.rglob("*"):
        if path.is_file():
            assert b"hunter2" not in path.read_bytes()


def test_password_goes_to_the_keyring_and_never_to_a_file(run, home, tmp_path):
    env = vault.env(tmp_path / "vault")
    run("login", "--name", "Kim", "--email", "kim@example.com", check=True)
    result = run("config", "password", input="hunter2-비밀\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "stored in the system keyring (test vault)" in result.stderr
    shown = json.loads(run("config", "show", "--json", env=env).stdout)
    assert shown["smtp.password"] == "set"
    assert "hunter2" not in json.dumps(shown)
    stored = json.loads((tmp_path / "vault" / "vault.json").read_text())
    assert stored == {"support-smtp/kim@example.com": "hunter2-비밀"}  # the keyring holds it
    for path in home.rglob("*"):
        if path.is_file():
            assert b"hunter2" not in path.read_bytes(), path


@pytest.mark.parametrize(
    "backend",
    [
        "keyrings.alt.file.PlaintextKeyring",
        "keyrings.alt.file.EncryptedKeyring",
        "keyring.backends.null.Keyring",
    ],
)
def test_a_keyring_that_is_a_file_or_nothing_is_refused(run, home, tmp_path, backend):
    """keyrings.alt (a test extra) writes the password, base64, into a file; null drops it.
    Neither is a keyring: nothing is written, and the line says what to do instead."""
    data = tmp_path / "data"
    env = {"PYTHON_KEYRING_BACKEND": backend, "XDG_DATA_HOME": str(data)}
    run("login", "--name", "Kim", "--email", "kim@example.com", check=True)
    result = run("config", "password", input="hunter2-비밀\n", env=env)
    assert_one_line_error(result, 1)
    assert "SUPPORT_SMTP_PASSWORD" in result.stderr
    assert "stored" not in result.stderr
    assert not data.exists() or not [p for p in data.rglob("*") if p.is_file()]
    shown = json.loads(run("config", "show", "--json", env=env).stdout)
    assert shown["smtp.password"] == "not set"


def test_keyrings_alt_is_never_chosen_on_its_own(run, home, tmp_path, monkeypatch):
    """With keyrings.alt installed (as the test extras do) and no system keyring, keyring
    itself would pick PlaintextKeyring: `support` refuses it as if nothing were there, and
    the password in the environment is used instead."""
    data = tmp_path / "data"
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")  # keyring chooses, as when installed
    env = {"XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    run("login", "--name", "Kim", "--email", "kim@example.com", check=True)
    result = run("config", "password", input="hunter2-비밀\n", env=env)
    assert_one_line_error(result, 1)
    assert "SUPPORT_SMTP_PASSWORD" in result.stderr
    assert not data.exists() or not [p for p in data.rglob("*") if p.is_file()]
    env["SUPPORT_SMTP_PASSWORD"] = "from-the-environment"
    shown = json.loads(run("config", "show", "--json", env=env).stdout)
    assert shown["smtp.password"] == "set"


def test_topics(run):
    result = run("topics", "--json")
    topics = json.loads(result.stdout)
    assert {"account", "payment", "usage", "other"} <= set(topics)
    assert all(topics.values())
    human = run("topics").stdout
    assert "payment" in human and "환불" in human


def test_folders_are_private_from_the_start(run, home):
    os.umask(0o022)
    run("config", "set", "user.name", "Kim", check=True)
    run("list", check=True)
    for path in [home, *home.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_config_never_holds_a_password_key(run, home):
    assert_one_line_error(run("config", "set", "smtp.password", "x"), 2)
    assert not Path(home / "config.toml").exists()


def test_a_chain_of_keyrings_is_narrowed_to_a_real_one(monkeypatch):
    """keyring's chainer tries its backends in turn: a failure in the system keyring must
    not fall through to a file, so only an acceptable member is used."""
    from keyring.backends.chainer import ChainerBackend
    from keyrings.alt.file import PlaintextKeyring

    from supportcli import keychain

    monkeypatch.setattr(ChainerBackend, "backends", [PlaintextKeyring(), vault.Vault()])
    chosen, why = keychain.choose(ChainerBackend())
    assert isinstance(chosen, vault.Vault) and why is None
    monkeypatch.setattr(ChainerBackend, "backends", [PlaintextKeyring()])
    chosen, why = keychain.choose(ChainerBackend())
    assert chosen is None and "PlaintextKeyring" in str(why)
