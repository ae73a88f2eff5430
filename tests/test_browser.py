"""The history browser (issue 20), driven by Textual's own harness (`App.run_test()`, a
pilot pressing keys) against a real history file; the reply goes through the real local
SMTP server and a continued chat is the real `support chat --resume`."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import seed
from mailtest import smtp_env, text_part
from smtpserver import SmtpServer

from supportcli.records import Event
from supportcli.store import attachments, writes
from supportcli.store.db import connect

pytest.importorskip("textual")

from supportcli.browser.app import HistoryApp, ListScreen  # noqa: E402
from supportcli.browser.commands import support  # noqa: E402
from supportcli.browser.detail import InquiryScreen  # noqa: E402
from supportcli.browser.dialogs import Choose, Keys  # noqa: E402
from supportcli.browser.source import View  # noqa: E402
from supportcli.browser.table import InquiryTable  # noqa: E402

REFUND = "https://help.example.com/refund"


def history() -> dict[str, int]:
    """A chat with a link and an attachment, an email waiting for the desk, and an
    email the desk has answered (your turn)."""
    db = connect()
    chat = seed.chat(
        db,
        "payment",
        [("customer", "결제가 두 번 됐어요"), ("agent", f"환불해 드릴게요: {REFUND}")],
        subject="중복 결제",
    )
    stored = attachments.keep_bytes(b"%PDF receipt", "영수증.pdf")
    writes.add_attachment(db, inquiry_id=chat, message_id=None, stored=stored)
    email = seed.email(db, "account", "비밀번호 재설정", "비밀번호를 잊었어요")
    answered = seed.email(db, "usage", "Sync stopped", "my invoice sync stopped")
    writes.add_message(db, inquiry_id=answered, role="agent", body="Try signing in again.")
    writes.change_status(db, answered, Event.EMAIL_ANSWERED)
    return {"chat": chat, "email": email, "answered": answered}


def lines(app: HistoryApp) -> list[str]:
    table = app.screen.query_one(InquiryTable)
    return [str(table.get_row_at(n)[0]) for n in range(table.row_count)]


def shown_ids(app: HistoryApp) -> list[int]:
    return [int(line.split()[0]) for line in lines(app)]


class Piped:
    """The terminal seam in a test: the real command, its input from a pipe."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ran: list[list[str]] = []

    def run(self, args: list[str]) -> int:
        self.ran.append(args)
        return subprocess.run(support(*args), input=self.text, text=True).returncode


def browse(
    test: Callable[[HistoryApp, object], Awaitable[None]],
    *,
    view: View | None = None,
    size: tuple[int, int] = (100, 24),
    terminal: Piped | None = None,
) -> HistoryApp:
    """Run the browser headless, hand it to `test` with its pilot; it must end with q."""
    app = HistoryApp(view, terminal=terminal)

    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await test(app, pilot)

    asyncio.run(go())
    return app


async def until(pilot, done: Callable[[], bool], seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("the browser did not get there")


async def open_one(app: HistoryApp, pilot, inquiry_id: int) -> InquiryScreen:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(InquiryTable)
    table.move_cursor(row=shown_ids(app).index(inquiry_id))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, InquiryScreen))
    assert isinstance(app.screen, InquiryScreen)
    return app.screen


def conversation(app: HistoryApp) -> str:
    return str(app.screen.query_one("#transcript").render())


def test_the_list_newest_first_in_lists_columns_and_q_quits_with_0(home):
    ids = history()

    async def test(app, pilot):
        assert shown_ids(app) == sorted(ids.values(), reverse=True)
        header = str(app.screen.query_one(InquiryTable).columns["inquiry"].label)
        for column in ("ID", "Created", "Channel", "Topic", "Status", "Last word", "Subject"):
            assert column in header
        assert any("중복 결제" in line for line in lines(app))
        table = app.screen.query_one(InquiryTable)
        waiting = table.get_row_at(shown_ids(app).index(ids["answered"]))[0]
        assert "bold" in str(waiting.spans) or "bold" in str(waiting.style)
        await pilot.press("q")

    assert browse(test).return_code == 0


def test_the_columns_fit_the_window_down_to_60x20(home):
    history()

    async def test(app, pilot):
        wide = str(app.screen.query_one(InquiryTable).columns["inquiry"].label)
        assert "Created" in wide
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        narrow = str(app.screen.query_one(InquiryTable).columns["inquiry"].label)
        assert "Created" not in narrow and "Status" in narrow and "Subject" in narrow
        assert all(len(line) <= 58 for line in lines(app))
        await pilot.press("q")

    browse(test, size=(120, 24))


def test_pages_load_as_the_cursor_nears_the_end(home):
    db = connect()
    for n in range(250):
        seed.email(db, "other", f"문의 {n}", "본문", status="draft")

    async def test(app, pilot):
        assert len(lines(app)) == 30  # a screenful, and a little more
        assert "30 inquiries+" in str(app.screen.query_one("#filters").render())
        for loaded in (130, 230, 250):  # then a page of 100 each time the end comes near
            await pilot.press("end")
            await until(pilot, lambda: len(lines(app)) == loaded)  # noqa: B023
        assert shown_ids(app) == list(range(250, 0, -1))
        assert "250 inquiries" in str(app.screen.query_one("#filters").render())
        await pilot.press("q")

    browse(test)


def test_search_as_you_type_in_korean_finds_what_list_q_finds(home, run):
    ids = history()

    async def test(app, pilot):
        await pilot.press("slash")
        for char in "비밀번":  # one syllable at a time, as an IME commits them
            await pilot.press(char)
            await pilot.pause(0.1)
        await until(pilot, lambda: shown_ids(app) == [ids["email"]])
        await pilot.press("backspace", "backspace", "backspace")
        await until(pilot, lambda: len(shown_ids(app)) == 3)
        for char in "환불":
            await pilot.press(char)
        await until(pilot, lambda: shown_ids(app) == [ids["chat"]])
        await pilot.press("escape")
        assert isinstance(app.screen.focused, InquiryTable)
        await pilot.press("q")

    browse(test)
    found = json.loads(run("list", "-q", "환불", "--json").stdout)
    assert [row["id"] for row in found] == [ids["chat"]]


def test_the_toggles_filter_like_lists_flags(home):
    ids = history()

    async def test(app, pilot):
        bar = lambda: str(app.screen.query_one("#filters").render())  # noqa: E731
        await pilot.press("c")  # chat
        await until(pilot, lambda: shown_ids(app) == [ids["chat"]])
        assert "channel: chat" in bar()
        await pilot.press("c")  # email
        await until(pilot, lambda: shown_ids(app) == [ids["answered"], ids["email"]])
        await pilot.press("s", "s", "s")  # draft, queued, sent
        await until(pilot, lambda: shown_ids(app) == [ids["email"]])
        assert "status: sent" in bar()
        await pilot.press("x")
        await until(pilot, lambda: len(shown_ids(app)) == 3)
        await pilot.press("t", "t")  # account, payment
        await until(pilot, lambda: shown_ids(app) == [ids["chat"]])
        await pilot.press("x", "d")  # today
        await until(pilot, lambda: len(shown_ids(app)) == 3)
        assert "dates: 1 day" in bar()
        await pilot.press("q")

    browse(test)


def test_a_view_from_the_command_line_opens_pre_filtered(home):
    ids = history()

    async def test(app, pilot):
        assert shown_ids(app) == [ids["answered"]]
        assert app.screen.query_one("#search").value == "invoice"
        await pilot.press("q")

    browse(test, view=View(channel="email", search="invoice"))


def test_enter_opens_the_conversation_as_show_draws_it_and_esc_goes_back(home, run):
    ids = history()

    async def test(app, pilot):
        await open_one(app, pilot, ids["chat"])
        drawn = conversation(app)
        assert "결제가 두 번 됐어요" in drawn and REFUND in drawn
        assert "📎 영수증.pdf" in drawn  # the attachment with its inquiry
        await pilot.press("question_mark")
        assert isinstance(app.screen, Keys)
        await pilot.press("escape")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ListScreen))
        await pilot.press("q")

    browse(test, size=(120, 40))
    show = run("show", str(ids["chat"])).stdout
    assert "결제가 두 번 됐어요" in show


def test_close_and_reopen_an_email(home, run):
    ids = history()

    async def test(app, pilot):
        screen = await open_one(app, pilot, ids["email"])
        await pilot.press("c")
        await until(pilot, lambda: screen.record.status == "closed")
        await pilot.press("o")
        await until(pilot, lambda: screen.record.status == "sent")
        await pilot.press("c", "escape")
        await until(pilot, lambda: isinstance(app.screen, ListScreen))
        assert "closed" in lines(app)[shown_ids(app).index(ids["email"])]
        await pilot.press("q")

    browse(test)
    assert json.loads(run("show", str(ids["email"]), "--json").stdout)["status"] == "closed"


def test_delete_asks_first(home, run):
    ids = history()

    async def test(app, pilot):
        await open_one(app, pilot, ids["email"])
        await pilot.press("d", "n")  # no: nothing happens
        await pilot.pause()
        assert isinstance(app.screen, InquiryScreen)
        await pilot.press("d", "y")
        await until(pilot, lambda: isinstance(app.screen, ListScreen))
        await until(pilot, lambda: ids["email"] not in shown_ids(app))
        await pilot.press("q")

    browse(test)
    assert run("show", str(ids["email"])).returncode == 1


def test_export_this_inquiry_to_a_file(home, tmp_path):
    ids = history()
    target = tmp_path / "one.md"

    async def test(app, pilot):
        await open_one(app, pilot, ids["chat"])
        await pilot.press("e")
        box = app.screen.query_one("#answer")
        box.value = str(target)
        await pilot.press("enter")
        await until(pilot, target.exists)
        await pilot.press("q")

    browse(test)
    assert "결제가 두 번 됐어요" in target.read_text(encoding="utf-8")
    assert target.stat().st_mode & 0o777 == 0o600


def test_attachments_show_their_private_copy(home):
    ids = history()

    async def test(app, pilot):
        await open_one(app, pilot, ids["chat"])
        await pilot.press("a")
        assert isinstance(app.screen, Choose)
        listed = str(app.screen.query_one("#choices").get_option_at_index(0).prompt)
        path = listed.split("\n")[1].strip()
        assert "영수증.pdf" in listed and Path(path).read_bytes() == b"%PDF receipt"
        await pilot.press("escape", "l")
        assert isinstance(app.screen, Choose)
        assert REFUND in str(app.screen.query_one("#choices").get_option_at_index(0).prompt)
        await pilot.press("escape", "q")

    browse(test)


def test_continue_a_chat_runs_chat_resume(home, run, monkeypatch):
    monkeypatch.setenv("SUPPORT_USER_NAME", "홍길동")
    monkeypatch.setenv("SUPPORT_USER_EMAIL", "hong@example.com")
    ids = history()
    terminal = Piped("영수증도 받을 수 있나요\n/end solved 5\n")

    async def test(app, pilot):
        screen = await open_one(app, pilot, ids["chat"])
        await pilot.press("t")
        await until(pilot, lambda: screen.record.status == "resolved")
        assert "영수증도 받을 수 있나요" in conversation(app)
        await pilot.press("q")

    browse(test, terminal=terminal)
    assert terminal.ran == [["chat", "--resume", str(ids["chat"])]]


def test_reply_sends_a_follow_up_through_smtp(home, monkeypatch):
    ids = history()
    with SmtpServer(mode="ssl") as smtp:
        for name, value in smtp_env(smtp).items():
            monkeypatch.setenv(name, value)

        async def test(app, pilot):
            screen = await open_one(app, pilot, ids["answered"])
            await pilot.press("r")
            app.screen.query_one("#body").insert("다시 해 봤는데 안 돼요")
            await pilot.press("escape")  # by mistake: what was written is kept
            await pilot.press("r")
            assert app.screen.query_one("#body").text == "다시 해 봤는데 안 돼요"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: len(screen.record.messages) == 3)
            assert "다시 해 봤는데 안 돼요" in conversation(app)
            await pilot.press("q")

        browse(test)
        # the seeded inquiry went out first: its envelope was never marked sent
        sent = smtp.wait_for(2)[-1]
    assert text_part(sent.message) == "다시 해 봤는데 안 돼요"
    assert sent.message["Subject"] == "Re: Sync stopped"


def test_the_mouse_picks_and_opens_an_inquiry(home):
    ids = history()

    async def test(app, pilot):
        second = shown_ids(app)[1]
        await pilot.click(InquiryTable, offset=(5, 2))  # the second row: highlighted
        assert app.screen.query_one(InquiryTable).cursor_row == 1
        await pilot.click(InquiryTable, offset=(5, 2))  # clicked again: opened
        await until(pilot, lambda: isinstance(app.screen, InquiryScreen))
        assert app.screen.inquiry_id == second
        await pilot.press("escape", "q")

    assert browse(test).return_code == 0
    assert ids
