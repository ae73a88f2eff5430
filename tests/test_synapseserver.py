"""The test homeserver itself: it starts, registers users with its shared secret, carries
a message from one client to another over TLS, and comes back after a restart."""

from __future__ import annotations

import httpx
import pytest
from synapseserver import SynapseServer, require_synapse


def test_two_people_talk_in_a_room(synapse: SynapseServer) -> None:
    alice_id, password = synapse.new_user("alice")
    bob_id, bob_password = synapse.new_user("bob")
    assert alice_id.endswith(":support.test")
    alice, bob = synapse.login(alice_id, password), synapse.login(bob_id, bob_password)
    room = alice.client.post(
        "/_matrix/client/v3/createRoom", json={"invite": [bob_id], "name": "#1 test"}
    ).json()["room_id"]
    assert bob.wait_invite() == room
    bob.join(room)
    alice.send(room, "안녕하세요 🙂")
    assert bob.wait_messages(alice_id, 1, room) == ["안녕하세요 🙂"]
    assert bob.room_name(room) == "#1 test"


def test_a_wrong_password_is_refused(synapse: SynapseServer) -> None:
    user_id, _ = synapse.new_user("carol")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        synapse.login(user_id, "not the password")
    assert refused.value.response.status_code == 403


def test_the_certificate_is_verified(synapse: SynapseServer) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(synapse.url + "/_matrix/client/versions", verify=True)


def test_restart_keeps_users_and_port() -> None:
    require_synapse()
    with SynapseServer() as server:
        assert server.started_in < 30, server.started_in
        user_id, password = server.new_user("dave")
        port = server.port
        server.stop()
        server.start()
        assert server.port == port
        assert server.login(user_id, password).user_id == user_id
