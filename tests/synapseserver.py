"""A real, local Matrix homeserver (Synapse) for tests, and a second Matrix client that
plays the counsellor.

Usage::

    with SynapseServer() as hs:                 # about 3 s on an idle machine
        hs.url                                  # https://127.0.0.1:PORT (trustme certificate)
        hs.ca_file                              # the CA to trust (chat.matrix.ca_file)
        user_id = hs.register("hong", "pw")     # @hong:support.test, via the shared secret
        desk = hs.login("desk", "pw")           # a Person: a raw client-server API client
        hs.stop(); hs.start()                   # same port, same data: a restart mid-chat
        hs.kill()                               # SIGKILL: an unreachable homeserver

The server runs from a folder of its own (a hand-written homeserver.yaml, SQLite, a signing
key, its log): no federation listener, no trusted key servers, TLS on loopback with a
certificate from a fresh trustme CA, rate limits out of the way, bcrypt at its cheapest
rounds so a login or a registration costs milliseconds, not half a second.

Users are registered through the admin API's shared-secret registration
(/_synapse/admin/v1/register: a nonce, then an HMAC-SHA1 over nonce, user, password and
admin flag), which works with public registration closed, as it is here.

Skipping: `synapse_missing_reason()` is None when synapse can be imported; else
`require_synapse()` skips the test, or fails it under SUPPORT_REQUIRE_SERVERS=1 (servers.py).
No pytest dependency except in `require_synapse`."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

SERVER_NAME = "support.test"
SHARED_SECRET = "test-shared-secret"
START_TIMEOUT_S = 60.0  # a loaded 2-core machine has been seen to need 15 s

HOMESERVER_YAML = """\
server_name: "{server_name}"
pid_file: "{folder}/homeserver.pid"
public_baseurl: "{url}/"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: true
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
tls_certificate_path: "{folder}/cert.pem"
tls_private_key_path: "{folder}/key.pem"
database:
  name: sqlite3
  args:
    database: "{folder}/homeserver.db"
log_config: "{folder}/log.yaml"
media_store_path: "{folder}/media"
signing_key_path: "{folder}/signing.key"
registration_shared_secret: "{secret}"
enable_registration: false
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
enable_metrics: false
presence:
  enabled: false
bcrypt_rounds: 4
rc_message: {{per_second: 10000, burst_count: 10000}}
rc_registration: {{per_second: 10000, burst_count: 10000}}
rc_login:
  address: {{per_second: 10000, burst_count: 10000}}
  account: {{per_second: 10000, burst_count: 10000}}
  failed_attempts: {{per_second: 10000, burst_count: 10000}}
rc_joins:
  local: {{per_second: 10000, burst_count: 10000}}
  remote: {{per_second: 10000, burst_count: 10000}}
rc_invites:
  per_room: {{per_second: 10000, burst_count: 10000}}
  per_user: {{per_second: 10000, burst_count: 10000}}
  per_issuer: {{per_second: 10000, burst_count: 10000}}
"""

LOG_YAML = """\
version: 1
formatters:
  precise: {{format: "%(asctime)s %(name)s %(levelname)s %(message)s"}}
handlers:
  file: {{class: logging.FileHandler, formatter: precise, filename: "{folder}/homeserver.log"}}
root: {{level: WARNING, handlers: [file]}}
disable_existing_loggers: false
"""


def synapse_missing_reason() -> str | None:
    if importlib.util.find_spec("synapse") is None:
        return "Synapse (pip package matrix-synapse) is not installed"
    return None


def require_synapse() -> None:
    from servers import require

    require(synapse_missing_reason())


class SynapseServer:
    """A private Synapse homeserver on 127.0.0.1; see the module docstring."""

    def __init__(self) -> None:
        import trustme

        self.folder = Path(tempfile.mkdtemp(prefix="synapse-"))
        self.port = _free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.server_name = SERVER_NAME
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(self.folder / "ca.pem"))
        cert = ca.issue_cert("127.0.0.1", "localhost")
        cert.cert_chain_pems[0].write_to_path(str(self.folder / "cert.pem"))
        cert.private_key_pem.write_to_path(str(self.folder / "key.pem"))
        self.ca_file = str(self.folder / "ca.pem")
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0
        self._write_config()

    def _write_config(self) -> None:
        fields = {
            "server_name": SERVER_NAME,
            "folder": self.folder,
            "url": self.url,
            "port": self.port,
            "secret": SHARED_SECRET,
        }
        (self.folder / "homeserver.yaml").write_text(HOMESERVER_YAML.format(**fields))
        (self.folder / "log.yaml").write_text(LOG_YAML.format(**fields))
        _write_signing_key(self.folder / "signing.key")

    def __enter__(self) -> SynapseServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, timeout: float = START_TIMEOUT_S) -> float:
        """Start the server and wait until it answers; the seconds that took."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", "homeserver.yaml"],
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            stdout=(self.folder / "stdout.log").open("ab"),
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("SUPPORT_")},
        )
        deadline = started + timeout
        with self.http() as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"synapse exited {self.process.returncode}:\n{self.log()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get("/_matrix/client/versions").status_code == 200:
                        self.started_in = time.perf_counter() - started
                        return self.started_in
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"synapse did not answer within {timeout:g} s:\n{self.log()}")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), then SIGKILL for what is left."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def kill(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        parts = []
        for name in ("stdout.log", "homeserver.log"):
            with contextlib.suppress(OSError):
                parts.append((self.folder / name).read_text("utf-8", "replace")[-4000:])
        return "\n".join(parts)

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.tls(), timeout=30)

    def register(self, localpart: str, password: str, *, admin: bool = False) -> str:
        """A new user through shared-secret registration; their user ID."""
        with self.http() as client:
            path = "/_synapse/admin/v1/register"
            nonce = client.get(path).json()["nonce"]
            mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
            mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode()]))
            mac.update(b"\x00admin" if admin else b"\x00notadmin")
            body = {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            }
            reply = client.post(path, json=body)
            reply.raise_for_status()
            return str(reply.json()["user_id"])

    def new_user(self, prefix: str, password: str = "pässword-1") -> tuple[str, str]:
        """A user with a unique name (tests share the server); (user ID, password)."""
        localpart = f"{prefix}-{uuid.uuid4().hex[:10]}"
        return self.register(localpart, password), password

    def login(self, user_id: str, password: str) -> Person:
        return Person.login(self, user_id, password)


class Person:
    """The other side, over the client-server API: a counsellor at the desk. Written
    against the spec, independently of supportcli's client, so a shared mistake cannot
    make both sides agree."""

    def __init__(self, server: SynapseServer, user_id: str, token: str) -> None:
        self.server = server
        self.user_id = user_id
        self.client = httpx.Client(
            base_url=server.url,
            verify=server.tls(),
            timeout=60,
            headers={"Authorization": f"Bearer {token}"},
        )
        self.since: str | None = None
        self.timeline: list[dict[str, Any]] = []  # every room event seen, in order

    @classmethod
    def login(cls, server: SynapseServer, user_id: str, password: str) -> Person:
        with server.http() as client:
            reply = client.post(
                "/_matrix/client/v3/login",
                json={
                    "type": "m.login.password",
                    "identifier": {"type": "m.id.user", "user": user_id},
                    "password": password,
                },
            )
            reply.raise_for_status()
            return cls(server, user_id, reply.json()["access_token"])

    def close(self) -> None:
        self.client.close()

    def set_display_name(self, name: str) -> None:
        path = f"/_matrix/client/v3/profile/{_q(self.user_id)}/displayname"
        self.client.put(path, json={"displayname": name}).raise_for_status()

    def sync(self, timeout_ms: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"timeout": timeout_ms}
        if self.since:
            params["since"] = self.since
        reply = self.client.get("/_matrix/client/v3/sync", params=params)
        reply.raise_for_status()
        data = reply.json()
        self.since = data["next_batch"]
        for room_id, room in data.get("rooms", {}).get("join", {}).items():
            for event in room.get("timeline", {}).get("events", []):
                self.timeline.append({**event, "room_id": room_id})
        self.last_sync = data
        return data

    def invites(self) -> list[str]:
        self.sync()
        return list(self.last_sync.get("rooms", {}).get("invite", {}))

    def wait_invite(self, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sync(timeout_ms=1000)
            invited = list(self.last_sync.get("rooms", {}).get("invite", {}))
            if invited:
                return invited[0]
        raise AssertionError(f"{self.user_id} was not invited within {timeout} s")

    def join(self, room: str) -> str:
        reply = self.client.post(f"/_matrix/client/v3/join/{_q(room)}", json={})
        reply.raise_for_status()
        return str(reply.json()["room_id"])

    def leave(self, room_id: str) -> None:
        self.client.post(f"/_matrix/client/v3/rooms/{_q(room_id)}/leave", json={})

    def create_room(self, alias_localpart: str) -> str:
        body = {"room_alias_name": alias_localpart, "preset": "public_chat"}
        reply = self.client.post("/_matrix/client/v3/createRoom", json=body)
        reply.raise_for_status()
        return str(reply.json()["room_id"])

    def send(self, room_id: str, text: str) -> str:
        txn = uuid.uuid4().hex
        path = f"/_matrix/client/v3/rooms/{_q(room_id)}/send/m.room.message/{txn}"
        reply = self.client.put(path, json={"msgtype": "m.text", "body": text})
        reply.raise_for_status()
        return str(reply.json()["event_id"])

    def typing(self, room_id: str, on: bool = True) -> None:
        path = f"/_matrix/client/v3/rooms/{_q(room_id)}/typing/{_q(self.user_id)}"
        body: dict[str, Any] = {"typing": on}
        if on:
            body["timeout"] = 30000
        self.client.put(path, json=body).raise_for_status()

    def room_name(self, room_id: str) -> str:
        path = f"/_matrix/client/v3/rooms/{_q(room_id)}/state/m.room.name"
        return str(self.client.get(path).json().get("name", ""))

    def messages_from(self, sender: str, room_id: str | None = None) -> list[str]:
        return [
            e["content"].get("body", "")
            for e in self.timeline
            if e.get("type") == "m.room.message"
            and e.get("sender") == sender
            and (room_id is None or e["room_id"] == room_id)
        ]

    def wait_messages(
        self, sender: str, count: int, room_id: str | None = None, timeout: float = 20
    ) -> list[str]:
        """Sync until `sender` has sent at least `count` messages; their bodies."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages_from(sender, room_id)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            self.sync(timeout_ms=500)


def _q(part: str) -> str:
    from urllib.parse import quote

    return quote(part, safe="")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_signing_key(path: Path) -> None:
    # signedjson comes with synapse; writing the key here saves a `--generate-keys` run
    # (a second interpreter start-up, ~2 s).
    from signedjson.key import generate_signing_key, write_signing_keys

    with path.open("w") as handle:
        write_signing_keys(handle, [generate_signing_key("a_test")])
