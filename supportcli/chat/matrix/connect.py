"""Getting a chat into its room: the settings, the login (an access token kept in the
keyring, else the password), and the handoff: a room named after the chat with the desk
invited and the handoff note as the first message, recorded before anything is sent."""

from __future__ import annotations

import secrets

from supportcli import config
from supportcli.chat.matrix import handoff
from supportcli.chat.matrix.agent import Place, place
from supportcli.chat.matrix.client import MatrixClient, Refused
from supportcli.config import Settings
from supportcli.errors import BadInput
from supportcli.i18n import tr
from supportcli.store import matrix as store
from supportcli.store import reads, writes
from supportcli.store.db import transaction
from supportcli.store.dialect import Database


def log_in(client: MatrixClient, user: str, device_id: str | None) -> str:
    """Log `client` in as `user` on `device_id` (a new device when None); the device.
    A token the keyring kept for that device is used first; the password only when there
    is none or the homeserver no longer takes it."""
    kept = config.kept_token("matrix", user)
    if kept:
        device, _, token = kept.partition(" ")
        if device_id in (None, device):
            client.use_token(token, user)
            try:
                client.whoami()
                return device
            except Refused:  # logged out elsewhere, or expired: the password again
                pass
    password = config.load_password("matrix", user)
    if not password:
        raise BadInput(
            tr(
                "no Matrix password for {user}: run `support config password --matrix` "
                "or set SUPPORT_MATRIX_PASSWORD",
                user=user,
            )
        )
    device = device_id or "SUPPORT" + secrets.token_hex(5).upper()
    token = client.login(user, password, device_id=device)
    config.keep_token("matrix", user, f"{device} {token}")
    return device


def open_room(db: Database, inquiry_id: int, settings: Settings) -> tuple[MatrixClient, str]:
    """The chat's client, logged in, and its room: the one it was handed to before, or a
    new one. A resumed chat logs in on its own device, so that a message it sent just
    before it was killed, sent again under the same transaction id, arrives once."""
    where = place(settings)
    client = MatrixClient(where.homeserver, ca_file=where.ca_file)
    try:
        room = store.room(db, inquiry_id)
        if room is not None:
            device = log_in(client, where.user, room.device_id)
            try:
                return client, client.join(room.room_id)  # still there: a no-op
            except Refused:  # the chat was ended and its room left: a new handoff
                pass
        else:
            device = log_in(client, where.user, None)
        return client, _hand_over(db, inquiry_id, client, where, device, settings)
    except BaseException:
        client.close()
        raise


def _hand_over(
    db: Database,
    inquiry_id: int,
    client: MatrixClient,
    where: Place,
    device: str,
    settings: Settings,
) -> str:
    chat = reads.get_record(db, inquiry_id)
    room_id = client.create_room(handoff.room_name(chat), invite=_invitees(client, where.desk))
    with transaction(db):
        seq = store.last_seq(db, inquiry_id)
        store.add_room(
            db,
            store.Room(inquiry_id, where.homeserver, client.user_id, room_id, device, None, seq),
        )
        # Sent like the customer's lines (outgoing): recorded first, then sent once. Not the
        # chat's last word: `support list` keeps saying who is waiting.
        writes.add_message(
            db,
            inquiry_id=inquiry_id,
            role="system",
            body=handoff.note(chat, settings),
            meta={"agent": "matrix", "room": room_id},
            last_word=False,
        )
        writes.update_inquiry(db, inquiry_id, agent="matrix")
    return room_id


def _invitees(client: MatrixClient, desk: str) -> list[str]:
    """The desk as a user ID is invited; as a room (#alias or !id), everyone in it is, and
    the customer leaves the desk's room again: other customers' chats are not theirs."""
    if desk.startswith("@"):
        return [desk]
    desk_room = client.join(desk)
    try:
        return [user for user in client.members(desk_room) if user != client.user_id]
    finally:
        client.leave(desk_room)
