"""The typed records and the one table of status changes, in-process."""

from __future__ import annotations

import pytest

from supportcli.records import (
    ALL_STATUSES,
    INQUIRY_COLUMNS,
    NEW,
    Attachment,
    Envelope,
    Event,
    Inquiry,
    Message,
    RefusedTransition,
    next_status,
)

CHAT = {"open", "resolved", "unresolved", "escalated"}
EMAIL = {"draft", "queued", "sent", "failed", "answered", "closed"}
WENT_OUT = EMAIL - {"draft"}

# Written out by hand, not derived from the table it checks: which statuses each event may
# happen in, and where it leads.
EXPECTED: dict[Event, tuple[set[str], str | None]] = {
    Event.CHAT_START: ({NEW}, "open"),
    Event.CHAT_RESUME: (CHAT, "open"),
    Event.CHAT_SOLVED: ({"open"}, "resolved"),
    Event.CHAT_UNSOLVED: ({"open"}, "unresolved"),
    Event.CHAT_ESCALATE: (CHAT, "escalated"),
    Event.EMAIL_DRAFT: ({NEW, "draft"}, "draft"),
    Event.EMAIL_QUEUE: ({NEW, "draft"}, "queued"),
    # `answered` too: a follow-up left waiting by an answer in a history from before the
    # answer stopped taking a queued inquiry (issue 13) is still sent.
    Event.EMAIL_SENT: ({"draft", "queued", "failed", "answered"}, "sent"),
    Event.EMAIL_DEFERRED: ({"draft", "queued", "failed", "answered"}, "queued"),
    Event.EMAIL_FAILED: ({"draft", "queued", "failed", "answered"}, "failed"),
    Event.EMAIL_FOLLOW_UP: (WENT_OUT, "queued"),
    # Not while something waits in the outbox (queued, failed): issue 13's follow-up race.
    Event.EMAIL_ANSWERED: ({"sent", "answered", "closed"}, "answered"),
    Event.EMAIL_CLOSE: (EMAIL - {"closed"}, "closed"),
    Event.EMAIL_REOPEN: ({"closed"}, None),
}
EVERY_STATE = [NEW, *sorted(CHAT | EMAIL)]


def test_every_event_is_in_the_expected_table() -> None:
    assert set(EXPECTED) == set(Event)
    assert set(ALL_STATUSES) == CHAT | EMAIL


@pytest.mark.parametrize("event", list(Event), ids=str)
@pytest.mark.parametrize("current", EVERY_STATE, ids=lambda s: s or "new")
def test_every_transition_is_allowed_or_refused(event: Event, current: str) -> None:
    sources, target = EXPECTED[event]
    if current not in sources:
        with pytest.raises(RefusedTransition, match=str(event)):
            next_status(event, current)
        return
    if target is None:  # reopen: back to what it was before closing
        for before in sorted(WENT_OUT - {"closed"}):
            assert next_status(event, current, before_closing=before) == before
        assert next_status(event, current, before_closing=None) == "sent"
        return
    assert next_status(event, current) == target


def test_a_refused_transition_is_bad_input_with_one_line() -> None:
    with pytest.raises(RefusedTransition) as refused:
        next_status(Event.EMAIL_REOPEN, "sent")
    assert refused.value.exit_code == 2
    assert "\n" not in refused.value.message


def test_the_json_record_has_the_contracts_keys() -> None:
    record = Inquiry(
        id=7,
        channel="email",
        topic="payment",
        subject="결제 오류",
        status="sent",
        created_at="2026-11-26T12:00:00.000000+00:00",
        updated_at="2026-11-26T12:05:00.000000+00:00",
        agent=None,
        rating=None,
        parent_id=None,
        previous_status=None,
        last_role="customer",
        last_message_at="2026-11-26T12:00:00.000000+00:00",
        messages=(Message(1, "customer", "두 번 결제됐어요 😢\n", "2026-11-26T12:00:00+00:00"),),
        email=Envelope("me@example.com", ["help@example.com"], [], "<1@example.com>"),
        attachments=(Attachment("영수증.pdf", 3, "ab" * 32, "application/pdf", 1),),
    )
    full = record.as_json()
    for key in ("id", "channel", "topic", "subject", "status", "created_at", "updated_at"):
        assert full[key] == getattr(record, key)
    assert full["messages"] == [
        {
            "id": 1,
            "role": "customer",
            "body": "두 번 결제됐어요 😢\n",
            "created_at": "2026-11-26T12:00:00+00:00",
        }
    ]
    assert full["email"] == {
        "from": "me@example.com",
        "to": ["help@example.com"],
        "cc": [],
        "message_id": "<1@example.com>",
        "sent_at": None,
        "attempts": 0,
        "last_error": None,
    }
    assert full["attachments"][0]["filename"] == "영수증.pdf"  # type: ignore[index]
    assert "messages" not in record.as_json(messages=False)
    assert list(INQUIRY_COLUMNS)[:5] == ["id", "channel", "topic", "subject", "status"]


def test_statuses_are_plain_strings_for_the_drivers() -> None:
    assert type(next_status(Event.CHAT_START, NEW)) is str
    assert type(next_status(Event.EMAIL_REOPEN, "closed", before_closing="answered")) is str
