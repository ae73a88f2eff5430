"""Taking inquiries for one `outbox send` run and giving them back with its outcome, so
that two runs at once (here, or on another machine sharing the history) never send one
twice, and an interrupted run leaves nothing claimed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from supportcli import system
from supportcli.i18n import _
from supportcli.mail.message import Outgoing
from supportcli.records import SEND_OUTCOMES, EmailStatus
from supportcli.store import outbox as queue
from supportcli.store.dialect import Database

SENDABLE = (EmailStatus.DRAFT, EmailStatus.QUEUED, EmailStatus.FAILED)
RETRIED = (EmailStatus.QUEUED, EmailStatus.FAILED)  # what `outbox send` takes without an id


@dataclass
class Result:
    inquiry_id: int
    status: str  # sent | queued | failed | skipped | interrupted (may have been sent)
    reason: str | None = None
    hint: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    just_sent: Outgoing | None = None  # taken by the server, not yet marked in the history


def run_token() -> str:
    """Who holds a claim: this machine, this process, this run."""
    return f"{system.hostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def left_by_killed_runs(
    db: Database, ids: Sequence[int], *, stale_after: float, release: bool
) -> set[int]:
    """Those of `ids` still claimed by a run that was killed; with `release` (the user
    checked and wants them sent again) their claims are dropped and none is returned.

    A run on this machine is known killed when its process is gone. A run on another
    machine sharing the history cannot be asked: its claim counts as left behind once it
    has not been renewed for `stale_after` seconds (a live run renews it before sending
    each inquiry, see `renew`)."""
    stale = _moment(stale_after)
    killed = {
        i: holder
        for i, (holder, claimed_at) in queue.holders(db, ids).items()
        if _left_by_a_killed_run(holder) or (claimed_at or "") < stale
    }
    if not release:
        return set(killed)
    for inquiry_id, holder in killed.items():
        queue.drop_claim(db, inquiry_id=inquiry_id, holder=holder)
    return set()


def _left_by_a_killed_run(token: str) -> bool:
    """A claim whose run was on this machine and whose process no longer exists: it was
    killed while sending (a run that stops any other way gives its claims back)."""
    parts = token.rsplit(":", 2)  # see run_token()
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid, _ = parts
    return host == system.hostname() and system.process_gone(int(pid))


def _moment(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat(timespec="microseconds")


def may_have_been_sent(inquiry_id: int) -> Result:
    return Result(
        inquiry_id,
        "interrupted",
        _(
            "may have been sent: the `outbox send` sending it was killed before it could "
            "record whether the server took it"
        ),
        _(
            "check your Sent folder or ask the desk; to send it again: "
            "support outbox send {id} --resend (the desk sees the same Message-ID)"
        ).format(id=inquiry_id),
    )


def claim(
    db: Database,
    ids: Sequence[int],
    token: str,
    statuses: Sequence[str] = SENDABLE,
) -> list[int]:
    """Take these inquiries for this run; skip those another run holds (a claim left
    behind is never taken over silently: see `left_by_killed_runs`) and those not in a
    sendable status."""
    return queue.claim(db, ids=ids, token=token, statuses=statuses)


def renew(db: Database, inquiry_id: int, token: str) -> bool:
    """Just before sending: keep this run's claim fresh, so that no other machine takes
    it for one left behind. False if the claim is no longer this run's."""
    return queue.renew_claim(db, inquiry_id=inquiry_id, token=token)


def finish(db: Database, result: Result) -> None:
    """Record the outcome and release the claim, in the transaction that also marks the
    last message the server took."""
    sent = result.just_sent
    queue.release(
        db,
        inquiry_id=result.inquiry_id,
        outcome=SEND_OUTCOMES[result.status],
        error=_error_text(result),
        sent=sent is not None,
        sent_follow_up=follow_up_row(sent) if sent is not None else None,
    )


def mark_sent(db: Database, inquiry_id: int, message: Outgoing) -> None:
    """Record a message as sent as soon as the server took it (before the next one goes),
    so a failure later in the same run never sends it again."""
    queue.mark_sent(db, inquiry_id=inquiry_id, follow_up=follow_up_row(message))


def follow_up_row(message: Outgoing) -> int | None:
    """The message row of a follow-up; None for the inquiry's own first message."""
    return None if message.in_reply_to is None else message.message_row


def _error_text(result: Result) -> str | None:
    if result.refused:
        refused = "; ".join(f"{a} ({r})" for a, r in result.refused.items())
        return _("refused: {recipients}").format(recipients=refused)
    return result.reason
