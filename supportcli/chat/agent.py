"""The door every agent comes through.

An agent is given the conversation so far and answers; it may hand its answer over in
pieces (a network agent streaming tokens). Agents are found by name: `kb` is built in, and
other packages add theirs through the `supportcli.agents` entry point group:

    [project.entry-points."supportcli.agents"]
    myagent = "mypackage.agent:MyAgent"

where `MyAgent(settings)` builds an object with `name` and `answer(...)`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from supportcli.errors import BadInput
from supportcli.i18n import tr

if TYPE_CHECKING:
    from supportcli.config import Settings

ENTRY_POINT_GROUP = "supportcli.agents"


@dataclass(frozen=True)
class Turn:
    role: str  # customer | agent | system
    body: str


@dataclass(frozen=True)
class Citation:
    title: str
    link: str


@dataclass
class Answer:
    """An agent's answer: its text in pieces, the articles it used, and whether it
    admits it could not help (which offers the customer an email inquiry)."""

    pieces: Iterator[str]
    citations: list[Citation] = field(default_factory=list)
    helpful: bool = True


class Agent(Protocol):
    name: str

    def answer(self, conversation: Sequence[Turn], *, topic: str) -> Answer: ...


def load_agent(name: str, settings: Settings) -> Agent:
    """The agent called `name`: built in, or from an installed entry point."""
    # Imported here: entry points are read only when a chat starts, not for --help.
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == name:
            factory = point.load()
            return factory(settings)  # type: ignore[no-any-return]
    if name == "kb":  # running from a source tree without installed metadata
        # Imported here: the kb agent and its articles load only when it answers.
        from supportcli.chat.kb import KbAgent

        return KbAgent(settings)
    known = sorted({p.name for p in entry_points(group=ENTRY_POINT_GROUP)} | {"kb"})
    raise BadInput(
        tr(
            "--agent: no agent called {name}; installed: {known}",
            name=repr(name),
            known=", ".join(known),
        )
    )
