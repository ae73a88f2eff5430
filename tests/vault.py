"""A keyring backend for tests only, chosen explicitly with
PYTHON_KEYRING_BACKEND=vault.Vault (with this folder on PYTHONPATH): it stands in for a
system keyring (priority 5, like SecretService) and keeps its secrets in
$TEST_VAULT_DIR/vault.json, so a test can see that the password went there and nowhere
else. Never installed: an installed `support` cannot pick it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class Vault(KeyringBackend):
    priority = 5  # type: ignore[assignment]
    name = "test vault"

    @staticmethod
    def _file() -> Path:
        return Path(os.environ["TEST_VAULT_DIR"]) / "vault.json"

    def _load(self) -> dict[str, str]:
        path = self._file()
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        found = self._load()
        found[f"{service}/{username}"] = password
        self._file().parent.mkdir(parents=True, exist_ok=True)
        self._file().write_text(json.dumps(found))

    def delete_password(self, service: str, username: str) -> None:
        found = self._load()
        found.pop(f"{service}/{username}", None)
        self._file().write_text(json.dumps(found))


def env(folder: Path) -> dict[str, str]:
    """The environment that makes a `support` subprocess use a vault in `folder`."""
    tests = str(Path(__file__).resolve().parent)
    path = os.pathsep.join(p for p in (tests, os.environ.get("PYTHONPATH", "")) if p)
    return {
        "PYTHON_KEYRING_BACKEND": "vault.Vault",
        "PYTHONPATH": path,
        "TEST_VAULT_DIR": str(folder),
    }
