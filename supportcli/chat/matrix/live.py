"""A chat with a counsellor, live. Three things happen at once: the customer writes (this
thread), the counsellor's messages arrive (a thread long-polling /sync), and what the
customer wrote goes out (a thread that sends whatever has no event yet).

Every message is in the history before it is shown or sent: a customer line is committed,
then sent under a transaction id made from its row (`support-<message id>`), so a resend
after a lost connection or a crash gives the same event, never a second message; a
counsellor's message is committed with its event id (filed once, whoever syncs) and then
shown. The history connection is shared, so every use of it holds `self.lock`."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING

from supportcli.chat.agent import Turn
from supportcli.chat.matrix import connect, handoff
from supportcli.chat.matrix.client import Batch, MatrixClient, MatrixError, Refused, Unreachable
from supportcli.chat.session import Outcome
from supportcli.errors import BadInput, SupportError
from supportcli.i18n import _, tr
from supportcli.store import matrix as store
from supportcli.store import reads, writes

if TYPE_CHECKING:
    from supportcli.chat.session import ChatSession
    from supportcli.config import Settings

BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 8.0
FLUSH_S = 10.0  # how long /end waits for lines still going out
POLL_S = 0.2
TYPING_EVERY_S = 10.0  # a typing notice lasts 20 s on the homeserver; renewed well before
WAIT_LINE_S = 30.0
SINCE_EVERY_S = 5.0  # how often the waiting line says how long it has been
END = "/end"  # a command, never translated: the chat ends as if the customer typed it


class LiveChat:
    def __init__(self, session: ChatSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.db = session.db
        self.io = session.io
        self.lock = threading.RLock()
        self.stop = threading.Event()
        self.closed = threading.Event()  # the counsellor left, or the room is gone
        self.wake = threading.Event()  # something to send
        self.idle = threading.Event()  # nothing left to send
        self.offline = False
        self.names: dict[str, str] = {}
        self.present: set[str] = set()  # counsellors in the room now
        self.client: MatrixClient | None = None
        self.room_id = ""
        self.rename = False
        self.answered = threading.Event()  # a counsellor wrote since the customer came
        self.typing: list[str] = []
        self.typed_at = -TYPING_EVERY_S  # when the counsellor was last told we type
        self.tell_typing = False
        self.told_typing = False

    # --- the customer's side ----------------------------------------------------------------

    def run(self) -> Outcome | None:
        try:
            self.client, self.room_id = connect.open_room(
                self.db, self.session.inquiry_id, self.settings
            )
        except Unreachable as exc:
            self._no_counsellor(exc)
            return None
        except BadInput:  # the caller drops an empty chat after bad input itself
            raise
        except SupportError:  # refused (a wrong password, say): said by the caller
            self._drop_if_empty()
            raise
        self.io.notice(_("You are in the counsellors' queue; they answer here."))
        with contextlib.suppress(MatrixError):  # who is there already (a resumed chat)
            self.present = set(self.client.members(self.room_id)) - {self.client.user_id}
        threads = [
            threading.Thread(target=self._receive, name="matrix-sync", daemon=True),
            threading.Thread(target=self._send, name="matrix-send", daemon=True),
        ]
        if self.io.interactive:
            threads.append(threading.Thread(target=self._wait_line, daemon=True))
            self.io.on_typing = self._typing  # type: ignore[attr-defined]
        with self.io.live_screen():
            for thread in threads:
                thread.start()
            self.wake.set()
            try:
                return self._loop()
            finally:
                self._halt()

    def _no_counsellor(self, exc: MatrixError) -> None:
        """No homeserver at the start: a fresh piped chat fails with the reason; otherwise
        the help-center agent carries on, and /email reaches a person by mail."""
        if self._drop_if_empty():
            raise SupportError(
                tr(
                    "{reason}; no counsellor can be reached now: `support chat` asks the "
                    "help-center agent, `support email` writes to the customer center",
                    reason=exc.message,
                )
            )
        self.io.notice(
            tr(
                "{reason}. No counsellor can be reached now: the help-center agent answers "
                "instead, and /email writes to the customer center.",
                reason=exc.message,
            )
        )

    def _drop_if_empty(self) -> bool:
        """A piped chat that failed before anything was said leaves nothing behind."""
        if self.io.interactive or self.session.conversation:
            return False
        with self.lock:
            writes.delete_inquiries(self.db, [self.session.inquiry_id])
        return True

    def _loop(self) -> Outcome:
        for line in self._lines():
            if line.startswith("/") and not line.startswith("//"):
                outcome = self._command(line)
                if outcome is not None:
                    return outcome
                continue
            if self.closed.is_set():  # at a terminal: nobody would read it
                self.io.notice(_("No counsellor is in this chat any more: /email or /end."))
                continue
            self._say(line[1:] if line.startswith("//") else line)
        return self._closed_by_them()

    def _lines(self):  # type: ignore[no-untyped-def]
        """The customer's lines. In a pipe they end when the counsellor closes the chat
        (input is polled, so that happens at once); at a terminal the customer stays, to
        choose /email or /end."""
        if self.io.interactive:
            while (line := self.io.read()) is not None:
                if line.strip():
                    yield line.rstrip("\r\n")
            return
        while not self.closed.is_set():
            line = self.io.poll(POLL_S)  # type: ignore[attr-defined]
            if line is not None and line.strip():
                yield line.rstrip("\r\n")

    def _command(self, line: str) -> Outcome | None:
        name = line.split(" ", 1)[0].lower()
        if name == "/human":
            self.io.notice(_("You are already talking with the counsellors."))
            return None
        if name in ("/end", "/email"):
            self._flush()
        with self.lock:
            outcome = self.session.command(line)
        if outcome is not None:
            self._leave()
        return outcome

    def _say(self, text: str) -> None:
        with self.lock:
            if not any(turn.role == "customer" for turn in self.session.conversation):
                self.rename = True  # the room is named after the first line
            self.session.record(text)
            self.typed_at = -TYPING_EVERY_S  # the next line's first key tells again
        self.idle.clear()
        self.wake.set()

    def _typing(self) -> None:
        """The customer is typing: the counsellor is told, at most every TYPING_EVERY_S
        (by the sending thread: a keystroke never waits for the network)."""
        now = time.monotonic()
        if now - self.typed_at >= TYPING_EVERY_S:
            self.typed_at = now
            self.tell_typing = True
            self.wake.set()

    def _flush(self) -> None:
        """Give lines still going out a moment to go before the chat ends."""
        with self.lock:
            waiting = store.outgoing(self.db, self.session.inquiry_id)
        if waiting:
            self.idle.clear()
            self.wake.set()
            self.idle.wait(FLUSH_S)

    def _leave(self) -> None:
        assert self.client is not None
        # Unreachable now: the counsellor sees the chat end when the room is reachable.
        with contextlib.suppress(MatrixError):
            self.client.leave(self.room_id)

    def _closed_by_them(self) -> Outcome:
        with self.lock:
            return self.session.command(END) or Outcome("end")

    def wait(self) -> bool:
        """`support chat --wait`: sync until a counsellor answers (True; the answers went to
        the io as they were filed) or closes the chat (False). Nothing is sent."""
        if store.room(self.db, self.session.inquiry_id) is None:
            raise BadInput(
                tr(
                    "chat {id} was never handed to a counsellor (`support chat --resume {id}` "
                    "and /human do that)",
                    id=self.session.inquiry_id,
                )
            )
        self.client, self.room_id = connect.open_room(
            self.db, self.session.inquiry_id, self.settings
        )
        receiver = threading.Thread(target=self._receive, name="matrix-sync", daemon=True)
        receiver.start()
        try:
            while not (self.answered.wait(POLL_S) or self.closed.is_set()):
                pass
            return self.answered.is_set()
        finally:
            self._halt()

    def _halt(self) -> None:
        """Stop the threads; once this returns none of them touches the history again."""
        with self.lock:
            self.stop.set()
        self.wake.set()

    def _wait_line(self) -> None:
        """Until a counsellor answers: that the customer is waiting, and for how long."""
        with self.lock:
            since = store.waiting_since(self.db, self.session.inquiry_id)
        while since is not None and not self.answered.is_set():
            self.io.waiting(max(0.0, time.time() - since))
            if self.answered.wait(WAIT_LINE_S) or self.stop.is_set():
                return

    # --- the counsellor's side --------------------------------------------------------------

    def _receive(self) -> None:
        assert self.client is not None
        room = store.room(self.db, self.session.inquiry_id)
        since = room.since if room else None
        saved_at = -SINCE_EVERY_S
        delay = BACKOFF_FIRST_S
        while not self.stop.is_set():
            try:
                batch = self.client.sync(self.room_id, since)
            except Unreachable as exc:
                delay = self._lost(exc, delay)
                continue
            except Refused as exc:
                self.io.notice(exc.message)
                self.closed.set()
                return
            delay = BACKOFF_FIRST_S
            with self.lock:  # the chat may have ended (and its history closed) meanwhile
                if self.stop.is_set():
                    return
                self._back()
                kept = self._take(batch)
                since = batch.next_batch
                # Nothing of theirs (our own lines coming back, typing): the position is
                # kept now and then, not at every message; a resume re-reads a little.
                if not kept and time.monotonic() - saved_at > SINCE_EVERY_S:
                    store.set_since(self.db, self.session.inquiry_id, since)
                    saved_at = time.monotonic()

    def _lost(self, exc: MatrixError, delay: float) -> float:
        if not self.offline:
            self.offline = True
            self.io.notice(
                tr("{reason}; reconnecting (what you write is kept and sent then)", reason=exc)
            )
        self.stop.wait(delay)
        return min(delay * 2, BACKOFF_MAX_S)

    def _back(self) -> None:
        if self.offline:
            self.offline = False
            self.io.notice(_("Connected again."))
            self.wake.set()

    def _take(self, batch: Batch) -> bool:
        """Show and file what a /sync brought; whether its position was kept with it."""
        me = self.client.user_id if self.client else ""
        self.names.update(batch.names)
        self.present.update(who for who in batch.joined if who != me)
        theirs = [said for said in batch.said if said.sender != me]
        for n, said in enumerate(theirs, 1):
            self.present.add(said.sender)
            # The position goes with the batch's last message, in its transaction: one
            # commit for a message, and a crash before it brings the batch again.
            since = batch.next_batch if n == len(theirs) else None
            self._file(said.event_id, said.sender, said.body, since)
        if batch.typing_changed:
            typing = [self._name(who) for who in sorted(batch.typing - {me})]
            if typing and typing != self.typing:  # said when it starts, not at every sync
                self.io.typing(typing)
            self.typing = typing
        for who in batch.left:
            self._gone(who, me)
        return bool(theirs)

    def _file(self, event_id: str, sender: str, body: str, since: str | None) -> None:
        name = self._name(sender)
        meta = {"agent": "matrix", "name": name, "matrix_user": sender}
        with self.lock:
            filed = store.file_received(
                self.db,
                inquiry_id=self.session.inquiry_id,
                event_id=event_id,
                body=body,
                meta=meta,
                since=since,
            )
            if filed is None:
                if since is not None:
                    store.set_since(self.db, self.session.inquiry_id, since)
                return
            self.session.conversation.append(Turn("agent", body))
        self.answered.set()
        self.io.show_live(name, body)

    def _gone(self, who: str, me: str) -> None:
        if who in ("", me):
            self.io.notice(_("This chat's room is closed."))
        else:
            self.present.discard(who)
            self.io.notice(tr("{name} left the chat.", name=self._name(who)))
            if self.present:
                return
            self.io.notice(
                _("No counsellor is in this chat any more: /email continues it by email.")
            )
        self.closed.set()

    def _name(self, user_id: str) -> str:
        if user_id not in self.names and self.client is not None:
            try:
                self.names[user_id] = self.client.display_name(user_id)
            except MatrixError:
                return user_id
        return self.names.get(user_id, user_id)

    # --- what the customer wrote, out ------------------------------------------------------

    def _send(self) -> None:
        delay = BACKOFF_FIRST_S
        while not self.stop.is_set():
            self.wake.wait(5.0)
            self.wake.clear()
            try:
                self._send_waiting()
                delay = BACKOFF_FIRST_S
            except Unreachable as exc:
                delay = self._lost(exc, delay)
                self.wake.set()
            except Refused as exc:
                self.io.notice(tr("Not sent: {reason}", reason=exc.message))
                self.stop.wait(BACKOFF_MAX_S)

    def _new_name(self) -> str | None:
        if not self.rename:
            return None
        self.rename = False
        return handoff.room_name(reads.get_record(self.db, self.session.inquiry_id))

    def _send_waiting(self) -> None:
        assert self.client is not None
        while not self.stop.is_set():
            with self.lock:  # what the customer said, and whether it names the room, at once
                name = self._new_name()
                waiting = store.outgoing(self.db, self.session.inquiry_id)
            if self.tell_typing:
                self.tell_typing = False
                self.client.typing(self.room_id, True)
                self.told_typing = True
            if name is not None:  # before the line that names it goes out
                try:
                    self.client.name_room(self.room_id, name)
                except MatrixError:
                    self.rename = True  # again when the homeserver is back
                    raise
            if not waiting:
                self.idle.set()
                return
            if self.told_typing:  # the line is here: no longer typing it
                self.told_typing = False
                self.client.typing(self.room_id, False)
            for item in waiting:
                event_id = self.client.send_text(
                    self.room_id, item.body, txn=f"support-{item.message_id}"
                )
                with self.lock:
                    if self.stop.is_set():  # sent; marked by the next run (same event)
                        return
                    store.mark_sent(self.db, item.message_id, event_id)
