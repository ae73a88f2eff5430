"""A small Matrix client-server API client: what a customer's side of a live chat needs
(log in, make or join a room, send with transaction ids, long-poll /sync, typing, leave).

Over httpx, imported only on this path. Certificates are always verified: the system's
CAs plus `chat.matrix.ca_file`; plain http is accepted only for a homeserver on this
machine (loopback), where there is no network to listen on. Errors come out as two kinds:
`Unreachable` (no connection, a timeout, a 5xx or 429: worth retrying) and `Refused`
(the homeserver said no: a wrong password, a room that does not exist)."""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from supportcli.errors import BadInput, SupportError
from supportcli.i18n import tr
from supportcli.tls import tls_context

API = "/_matrix/client/v3"
CONNECT_TIMEOUT_S = 10.0
# A long poll waits up to SYNC_WAIT_MS on the server; the read timeout must outlast it.
SYNC_WAIT_MS = 25_000
READ_TIMEOUT_S = SYNC_WAIT_MS / 1000 + 15


class MatrixError(SupportError):
    pass


class Unreachable(MatrixError):
    """No answer worth believing: try again later."""


class Refused(MatrixError):
    """The homeserver answered no; `code` is its errcode (M_FORBIDDEN, ...)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Said:
    """A message in the room."""

    event_id: str
    sender: str
    body: str
    at_ms: int


@dataclass
class Batch:
    """What one /sync brought for one room."""

    next_batch: str
    said: list[Said] = field(default_factory=list)
    typing: set[str] = field(default_factory=set)
    typing_changed: bool = False
    left: list[str] = field(default_factory=list)  # users who left or were kicked
    joined: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # display names seen


def checked_homeserver(url: str) -> str:
    """The homeserver's base URL; https, or http to this machine only."""
    parts = urlsplit(url.strip().rstrip("/"))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadInput(
            tr(
                "chat.matrix.homeserver must be an https:// URL, not {url}",
                url=repr(url),
            )
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise BadInput(
            tr(
                "chat.matrix.homeserver: plain http is only for a homeserver on this "
                "machine; use https://{host}",
                host=parts.netloc,
            )
        )
    return parts.geturl()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MatrixClient:
    def __init__(self, homeserver: str, *, ca_file: str | None = None) -> None:
        self.homeserver = checked_homeserver(homeserver)
        self.token: str | None = None
        self.user_id = ""
        self.http = httpx.Client(
            base_url=self.homeserver,
            verify=tls_context(ca_file, setting="chat.matrix.ca_file"),
            timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            trust_env=False,  # a proxy from the environment would see every message
        )

    def close(self) -> None:
        self.http.close()

    # --- requests ------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            reply = self.http.request(method, API + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise Unreachable(
                tr(
                    "cannot reach the Matrix homeserver {url}: {reason}",
                    url=self.homeserver,
                    reason=_reason(exc),
                )
            ) from None
        return self._body(reply)

    def _body(self, reply: httpx.Response) -> dict[str, Any]:
        try:
            data = reply.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if reply.status_code == 429 or reply.status_code >= 500:
            raise Unreachable(
                tr(
                    "the Matrix homeserver {url} is busy or failing ({status})",
                    url=self.homeserver,
                    status=reply.status_code,
                )
            )
        if reply.status_code >= 400:
            code = str(data.get("errcode", ""))
            error = str(data.get("error", "")) or f"HTTP {reply.status_code}"
            raise Refused(
                tr("the Matrix homeserver refused: {error} ({code})", error=error, code=code),
                code,
            )
        return data

    # --- the calls -------------------------------------------------------------------------

    def login(self, user: str, password: str, *, device_id: str | None = None) -> str:
        """Log in with a password; the access token (also kept on this client)."""
        body: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user},
            "password": password,
            "initial_device_display_name": "support (command line)",
        }
        if device_id:  # the same device again: its transaction ids still count
            body["device_id"] = device_id
        data = self._call("POST", "/login", json=body)
        self.use_token(str(data["access_token"]), str(data.get("user_id", "")))
        return str(data["access_token"])

    def use_token(self, token: str, user_id: str = "") -> None:
        self.token = token
        self.user_id = user_id

    def whoami(self) -> str:
        data = self._call("GET", "/account/whoami")
        self.user_id = str(data.get("user_id", ""))
        return self.user_id

    def create_room(self, name: str, *, invite: list[str], topic: str = "") -> str:
        body: dict[str, Any] = {"name": name, "invite": invite, "preset": "private_chat"}
        if topic:
            body["topic"] = topic
        return str(self._call("POST", "/createRoom", json=body)["room_id"])

    def join(self, room: str) -> str:
        """Join a room by ID or alias (#desk:example.com); its room ID."""
        return str(self._call("POST", f"/join/{_q(room)}", json={})["room_id"])

    def members(self, room_id: str) -> list[str]:
        data = self._call("GET", f"/rooms/{_q(room_id)}/joined_members")
        return sorted((data.get("joined") or {}).keys())

    def invite(self, room_id: str, user_id: str) -> None:
        self._call("POST", f"/rooms/{_q(room_id)}/invite", json={"user_id": user_id})

    def send_text(self, room_id: str, body: str, *, txn: str) -> str:
        """Send once: the same `txn` again (a retry) gives the same event, not a second."""
        path = f"/rooms/{_q(room_id)}/send/m.room.message/{_q(txn)}"
        data = self._call("PUT", path, json={"msgtype": "m.text", "body": body})
        return str(data["event_id"])

    def name_room(self, room_id: str, name: str) -> None:
        self._call("PUT", f"/rooms/{_q(room_id)}/state/m.room.name", json={"name": name})

    def typing(self, room_id: str, on: bool) -> None:
        body: dict[str, Any] = {"typing": on}
        if on:
            body["timeout"] = 20_000
        self._call("PUT", f"/rooms/{_q(room_id)}/typing/{_q(self.user_id)}", json=body)

    def leave(self, room_id: str) -> None:
        self._call("POST", f"/rooms/{_q(room_id)}/leave", json={})

    def display_name(self, user_id: str) -> str:
        try:
            data = self._call("GET", f"/profile/{_q(user_id)}/displayname")
        except Refused:  # no profile: the user ID is the name
            return user_id
        return str(data.get("displayname") or user_id)

    def sync(self, room_id: str, since: str | None, *, wait_ms: int = SYNC_WAIT_MS) -> Batch:
        """Everything new in `room_id` since `since`, waiting up to `wait_ms` for it."""
        params: dict[str, Any] = {"timeout": wait_ms if since else 0}
        if since:
            params["since"] = since
        params["filter"] = _room_filter(room_id)
        data = self._call("GET", "/sync", params=params)
        return _batch(data, room_id)


def _room_filter(room_id: str) -> str:
    return json.dumps(
        {
            "presence": {"types": []},
            "account_data": {"types": []},
            "room": {
                "rooms": [room_id],
                "timeline": {"limit": 100},
                "state": {"lazy_load_members": True},
                "account_data": {"types": []},
            },
        },
        separators=(",", ":"),
    )


def _batch(data: dict[str, Any], room_id: str) -> Batch:
    batch = Batch(next_batch=str(data.get("next_batch", "")))
    rooms = data.get("rooms", {}) or {}
    room = (rooms.get("join", {}) or {}).get(room_id) or {}
    for event in _events(room.get("state", {})):
        _membership(batch, event)
    for event in _events(room.get("timeline", {})):
        if event.get("type") == "m.room.message":
            content = event.get("content") or {}
            body = content.get("body")
            if isinstance(body, str):
                batch.said.append(
                    Said(
                        str(event.get("event_id", "")),
                        str(event.get("sender", "")),
                        body,
                        int(event.get("origin_server_ts") or time.time() * 1000),
                    )
                )
        _membership(batch, event)
    for event in _events(room.get("ephemeral", {})):
        if event.get("type") == "m.typing":
            batch.typing_changed = True
            batch.typing = set((event.get("content") or {}).get("user_ids") or [])
    if room_id in (rooms.get("leave", {}) or {}):
        batch.left.append("")  # we are out of the room ourselves (kicked, or it closed)
    return batch


def _events(part: Any) -> Iterator[dict[str, Any]]:
    for event in (part or {}).get("events", []) or []:
        if isinstance(event, dict):
            yield event


def _membership(batch: Batch, event: dict[str, Any]) -> None:
    if event.get("type") != "m.room.member":
        return
    who = str(event.get("state_key", ""))
    content = event.get("content") or {}
    if content.get("displayname"):
        batch.names[who] = str(content["displayname"])
    membership = content.get("membership")
    if membership in ("leave", "ban"):
        batch.left.append(who)
    elif membership == "join":
        batch.joined.append(who)


def _q(part: str) -> str:
    return quote(part, safe="")


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
