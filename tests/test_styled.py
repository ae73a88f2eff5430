"""`list` and `show` print through render/styled.py's Writer instead of rich's console
(issue 21: reads close to start-up). Its output must be rich's, byte for byte, at a
terminal (escape sequences, with and without NO_COLOR) and to a pipe: checked here
in-process against a real rich Console, on the real table and transcript and on
generated text."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import seed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich._wrap import divide_line
from rich.console import Console, Group
from rich.markdown import Markdown
from rich.padding import Padding

from supportcli import console, history
from supportcli.render import human, styled
from supportcli.render.styled import Styled, Writer
from supportcli.store import writes

MODES = {  # name: (a terminal, NO_COLOR)
    "pipe": (False, False),
    "terminal": (True, False),
    "terminal, NO_COLOR": (True, True),
}


def rich_console(buf: io.StringIO, width: int, terminal: bool, no_color: bool) -> Console:
    """As console.out() makes it, writing to `buf`."""
    return Console(
        file=buf,
        width=width,
        force_terminal=terminal,
        color_system="standard" if terminal else None,
        no_color=no_color,
        highlight=False,
        soft_wrap=False,
    )


def both(monkeypatch, width: int, mode: str, draw) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """What `draw()` prints through the Writer and through rich alone."""
    terminal, no_color = MODES[mode]
    outputs = []
    for fast in (True, False):
        buf = io.StringIO()
        rich_out = rich_console(buf, width, terminal, no_color)
        monkeypatch.setattr(console, "out", lambda rich_out=rich_out: rich_out)
        fast_out = Writer(width, ansi=terminal, no_color=no_color, file=buf) if fast else None
        monkeypatch.setattr(styled, "writer", lambda fast_out=fast_out: fast_out)
        draw()
        outputs.append(buf.getvalue())
    return outputs[0], outputs[1]


@pytest.fixture
def history_rows(db):  # type: ignore[no-untyped-def]
    seed.email(db, "payment", "지난달 결제 금액이 두 번 청구되었어요 환불 부탁드립니다", "본문")
    seed.chat(
        db,
        "account",
        [("customer", "비밀번호를 잊어버렸어요"), ("agent", "안내")],
        subject="비밀번호를 잊어버렸어요 [red]not markup[/] 👨\u200d👩\u200d👧",
        status="unresolved",
    )
    seed.email(db, "usage", "A subject\twith a tab and \x1b[31m an escape", "x", status="answered")
    seed.chat(db, "other", [("customer", "hi")], subject="")
    db.commit()
    return history.list_inquiries(history.Filters(limit=0))


@pytest.mark.parametrize("mode", MODES)
def test_the_list_table_is_riches_byte_for_byte(monkeypatch, history_rows, mode):
    for width in (8, 30, 60, 80, 100, 120, 200):
        fast, rich = both(monkeypatch, width, mode, lambda: human.print_inquiries(history_rows))
        assert fast == rich, width
        assert fast.count("\n") == len(history_rows) + 1
    if MODES[mode][0] and not MODES[mode][1]:
        assert "\x1b[1m" in fast and "\x1b[31m" in fast  # the header bold, unresolved red


PARAGRAPHS = (
    "Thank you for waiting. I checked the payment status for order 2025-86630444.\n\n"
    "결제 상태를 확인했어요. 환불은 보통 3 to 5 business days 걸립니다. 다른 궁금한 점이 "
    "있으면 알려 주세요.\nA second line of the same paragraph!\n\n\nHave a nice day."
)
MARKDOWN = "**Refunds**\n\n- [Refund policy](https://help.example.com/ko/refund)\n\n1. one"


@pytest.fixture
def record(db):  # type: ignore[no-untyped-def]
    inquiry = seed.chat(
        db,
        "payment",
        [
            ("customer", "환불 문의드립니다.\n\twith a tab\n" + "긴 줄 " * 60),
            ("agent", PARAGRAPHS),
            ("agent", MARKDOWN),
            ("customer", "  indented *stars* kept"),
            ("agent", ""),
        ],
        subject="A long subject that wraps at a narrow width, 한국어 제목도 함께 " * 2,
        status="escalated",
    )
    writes.add_message(
        db,
        inquiry_id=inquiry,
        role="agent",
        body="an answer by mail",
        meta={"from": "Desk <desk@example.com>", "notes": ["a part left out"]},
    )
    db.commit()
    found = history.get(inquiry)
    # as `sync` files an answer from a stranger, with its original kept
    last = replace(found.messages[-1], verified=False, raw_sha256="ab" * 32, raw_size=10)
    return replace(found, messages=(*found.messages[:-1], last))


@pytest.mark.parametrize("mode", MODES)
def test_show_is_riches_byte_for_byte(monkeypatch, record, mode):
    for width in (20, 60, 80, 120):
        fast, rich = both(monkeypatch, width, mode, lambda: human.transcript(record))
        assert fast == rich, width
    assert "Have a nice day." in fast and "Refund policy" in fast


SPECIAL = ["환불", "invoice", "👨\u200d👩", "❤\ufe0f"]  # ZWJ, VS16: measured as graphemes
LETTERS = st.sampled_from(list("ab cd  ef가나다 …👍\n-.,!?:0123456789\u3000") + SPECIAL)
STYLES = st.sampled_from(["", "bold", "dim", "green", "bold cyan", "red", "bold yellow"])


@st.composite
def styled_texts(draw):  # type: ignore[no-untyped-def]
    text = Styled(
        style=draw(STYLES),
        no_wrap=draw(st.booleans()),
        overflow=draw(st.sampled_from([None, "crop", "fold"])),
        justify=draw(st.sampled_from([None, "left"])),
    )
    for _ in range(draw(st.integers(0, 5))):
        piece = "".join(draw(st.lists(LETTERS, max_size=12)))
        text.append(piece, draw(STYLES))
    return text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(styled_texts(), min_size=1, max_size=3),
    width=st.integers(1, 40),
    mode=st.sampled_from(list(MODES)),
)
def test_any_styled_text_is_written_as_rich_writes_it(texts, width, mode):
    terminal, no_color = MODES[mode]
    for fast_way, rich_way in (
        (lambda out: out.print(*texts), lambda out: out.print(*texts)),  # joined, wrapped
        (lambda out: out.lines(texts), lambda out: out.print(Group(*texts))),  # each its own
    ):
        fast, rich = io.StringIO(), io.StringIO()
        fast_way(Writer(width, ansi=terminal, no_color=no_color, file=fast))
        rich_way(rich_console(rich, width, terminal, no_color))
        assert fast.getvalue() == rich.getvalue()


PIECES = ["word", "환불을", "3~5일", "~", "1.", "-", "*", "`x`", "a_b", "<b>", " ", "\n", "\n\n"]
BODY = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(LETTERS, max_size=30).map("".join), width=st.integers(1, 30), fold=st.booleans()
)
def test_lines_break_where_rich_breaks_them(text, width, fold):
    assert styled._divide_line(text, styled._cells(text), width, fold) == divide_line(
        text, width, fold
    )


@settings(max_examples=100, deadline=None)
@given(body=BODY, width=st.integers(10, 60))
def test_plain_paragraphs_are_shown_as_riches_markdown(body, width):
    found = styled.paragraphs(body)
    if found is None:
        return
    fast, rich = io.StringIO(), io.StringIO()
    Writer(width, ansi=True, file=fast).paragraphs(found, 2)
    out = rich_console(rich, width, True, False)
    out.print(Padding(Markdown(body, hyperlinks=False), (0, 0, 0, 2)))
    assert fast.getvalue() == rich.getvalue()


def test_markup_is_left_to_rich():
    assert styled.paragraphs(MARKDOWN) is None
    assert styled.paragraphs("a line  \nwith a hard break") is None
    assert styled.paragraphs("") is None
    assert styled.paragraphs(PARAGRAPHS) == [
        "Thank you for waiting. I checked the payment status for order 2025-86630444.",
        "결제 상태를 확인했어요. 환불은 보통 3 to 5 business days 걸립니다. 다른 궁금한 점이 "
        "있으면 알려 주세요. A second line of the same paragraph!",
        "Have a nice day.",
    ]
