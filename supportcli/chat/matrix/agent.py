"""The `matrix` agent, found through the `supportcli.agents` entry point group. It does not
answer turn by turn as the kb agent does: people answer when they answer, so the chat
session hands it the whole conversation (`run_live`) and it runs it until it ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from supportcli.chat.agent import Answer, Turn
from supportcli.errors import SupportError
from supportcli.i18n import _

if TYPE_CHECKING:
    from supportcli.chat.session import ChatSession, Outcome
    from supportcli.config import Settings


@dataclass(frozen=True)
class Place:
    homeserver: str
    user: str
    desk: str
    ca_file: str | None


def place(settings: Settings) -> Place:
    return Place(
        homeserver=settings.require("chat.matrix.homeserver"),
        user=settings.require("chat.matrix.user"),
        desk=settings.require("chat.matrix.desk"),
        ca_file=settings.text("chat.matrix.ca_file") or None,
    )


class MatrixAgent:
    name = "matrix"
    live = True

    def __init__(self, settings: Settings) -> None:
        place(settings)  # a missing setting is said before any chat is made
        self.settings = settings

    def answer(self, conversation: Sequence[Turn], *, topic: str) -> Answer:
        raise SupportError(_("the matrix agent answers live, not turn by turn"))

    def run_live(self, session: ChatSession) -> Outcome | None:
        """The chat with a counsellor until it ends; None when no counsellor can be
        reached and the chat goes on with the help-center agent."""
        # Imported here: httpx and the live loop only when a counsellor is asked for.
        from supportcli.chat.matrix.live import LiveChat

        return LiveChat(session, self.settings).run()

    def wait(self, session: ChatSession) -> bool:
        """`support chat --wait`: True when a counsellor answers, False when the chat
        closes first."""
        # Imported here: httpx and the live loop only when a counsellor is asked for.
        from supportcli.chat.matrix.live import LiveChat

        return LiveChat(session, self.settings).wait()
