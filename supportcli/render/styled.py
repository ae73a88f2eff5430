"""Styled lines written exactly as rich writes them, without rich's console.

`support list` and `support show` print a few styled lines, and importing rich's console,
text and markdown modules cost more than the rest of such a read (~50 ms, ~100 ms with
Markdown, against ~100 ms for the whole of `support --help`). So those commands build
`Styled` lines (the part of rich's `Text` they use: text, a style, style spans) and a
`Writer` puts them out byte for byte as rich's console would: the same wrapping and
cropping (rich's own `rich._wrap.divide_line` and `rich.cells`, which are cheap to
import), the same escape sequences at a terminal. Where rich would behave otherwise
(NO_COLOR, FORCE_COLOR, TTY_COMPATIBLE, a dumb terminal, Windows, Jupyter) `writer()`
gives None and the caller prints through rich as before; a `Styled` is a rich renderable
too (`__rich__`). tests/test_styled.py compares the two outputs.
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate
from typing import IO, Any

from rich.cells import cell_len, get_character_cell_size, set_cell_size

Span = tuple[int, int, str]

# What rich's Text drops from any text it is given (rich.control.strip_control_codes).
_STRIPPED = dict.fromkeys((7, 8, 11, 12, 13))
_TRAILING_SPACE = re.compile(r"\s+$")
# rich's Style: attribute bits in the order their SGR codes are written, and colours.
_ATTRIBUTES = {
    "bold": "1",
    "dim": "2",
    "italic": "3",
    "underline": "4",
    "blink": "5",
    "blink2": "6",
    "reverse": "7",
    "conceal": "8",
    "strike": "9",
}
_COLORS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_SGR = {name: str(30 + n) for n, name in enumerate(_COLORS)}
_SGR |= {f"bright_{name}": str(90 + n) for n, name in enumerate(_COLORS)}


class Styled:
    """A line (or a few) of text with a base style and style spans, as rich's Text."""

    __slots__ = ("plain", "style", "spans", "no_wrap", "overflow", "justify")

    def __init__(
        self,
        text: str = "",
        style: str = "",
        *,
        no_wrap: bool = False,
        overflow: str | None = None,
        justify: str | None = None,
    ) -> None:
        self.plain = text.translate(_STRIPPED)
        self.style = style
        self.spans: list[Span] = []
        self.no_wrap = no_wrap
        self.overflow = overflow
        self.justify = justify

    @classmethod
    def assemble(cls, *parts: str | tuple[str, str] | Styled, style: str = "") -> Styled:
        text = cls(style=style)
        for part in parts:
            if isinstance(part, tuple):
                text.append(*part)
            else:
                text.append(part)
        return text

    def append(self, text: str | Styled, style: str = "") -> Styled:
        if isinstance(text, Styled):
            return self.append_text(text)
        start = len(self.plain)
        self.plain += text.translate(_STRIPPED)
        if style and text:
            self.spans.append((start, len(self.plain), style))
        return self

    def append_text(self, text: Styled) -> Styled:
        start = len(self.plain)
        if text.style:
            self.spans.append((start, start + len(text.plain), text.style))
        self.spans += [(start + a, start + b, style) for a, b, style in text.spans]
        self.plain += text.plain
        return self

    def rstrip(self) -> None:
        self.plain = self.plain.rstrip()
        self.spans = _trimmed(self.spans, len(self.plain))

    def __len__(self) -> int:
        return len(self.plain)

    def __str__(self) -> str:
        return self.plain

    def __rich__(self) -> Any:
        """The same as a rich Text, for a rich console (a table cell, the fallback)."""
        # Imported here: rich's text module only where rich prints anyway.
        from rich.text import Span as RichSpan
        from rich.text import Text

        return Text(
            self.plain,
            style=self.style,
            no_wrap=self.no_wrap or None,
            overflow=self.overflow,  # type: ignore[arg-type]
            justify=self.justify,  # type: ignore[arg-type]
            spans=[RichSpan(*span) for span in self.spans],
        )


def _trimmed(spans: list[Span], length: int) -> list[Span]:
    return [(a, min(b, length), s) for a, b, s in spans if a < length]


class Writer:
    """Standard output as rich's console writes it (width, wrapping, escape sequences)."""

    def __init__(
        self, width: int, *, ansi: bool, no_color: bool = False, file: IO[str] | None = None
    ) -> None:
        self.width = width
        self.ansi = ansi
        self.no_color = no_color  # attributes (bold, dim) only, as rich with NO_COLOR
        self._file = file

    @property
    def file(self) -> IO[str]:
        return self._file or sys.stdout

    def print(self, *items: Styled | str) -> None:
        """As rich's `Console.print(*items)`: the items joined by a space into one text
        that wraps at the width (rich drops a printed Text's no_wrap and overflow)."""
        joined = Styled()
        for n, item in enumerate(items):
            if n:
                joined.append(" ")
            joined.append_text(Styled(item) if isinstance(item, str) else item)
        self.lines([joined])

    def lines(self, items: Iterable[Styled]) -> None:
        """As rich's `Console.print(Group(*items))`: each item laid out as it says."""
        for text in items:
            if "\t" in text.plain:
                # Imported here: rich expands tabs its own way, so it prints this one.
                from rich.console import Group

                from supportcli import console  # (the same reason)

                console.out().print(Group(text))
                continue
            self.file.write("".join(self._render(text)))

    def paragraphs(self, paragraphs: list[str], indent: int) -> None:
        """Markdown made only of plain paragraphs, as rich's Markdown inside a Padding of
        `indent` on the left: each line filled with spaces to the width."""
        width = self.width - indent
        margin = " " * indent
        blank = margin + " " * width + "\n"
        out: list[str] = []
        for n, paragraph in enumerate(paragraphs):
            if n:
                out.append(blank)
            text = Styled(paragraph, justify="left")
            for line, _ in _wrapped(text, width):
                out.append(margin + line + "\n")
        self.file.write("".join(out))

    def _render(self, text: Styled) -> Iterable[str]:
        for line, spans in _wrapped(text, self.width):
            if self.ansi:
                yield from _segments(line, text.style, spans, self.no_color)
            else:
                yield line
            yield "\n"


def _wrapped(text: Styled, width: int) -> Iterable[tuple[str, list[Span]]]:
    """rich's Text.wrap: split at newlines, then broken between words (or not, with
    no_wrap), trailing space beyond the width dropped, justified, cropped. As in rich, a
    text that is not divided keeps its empty spans (they still cut a styled run in two)."""
    overflow = text.overflow or "fold"
    parts = [(text.plain, text.spans)]
    if "\n" in text.plain:
        bounds, start = [], 0
        for part in text.plain.split("\n"):
            bounds.append((start, start + len(part)))
            start += len(part) + 1
        parts = _divide(text.plain, text.spans, bounds)
    for part, spans in parts:
        cells = _cells(part)
        if text.no_wrap:
            pieces = [(0, part, spans)]
        else:
            offsets = _divide_line(part, cells, width, fold=overflow == "fold")
            pieces = [(0, part, spans)]
            if offsets:
                starts = [0, *offsets]
                bounds = list(zip(starts, [*offsets, len(part)], strict=True))
                divided = _divide(part, spans, bounds)
                pieces = [(a, *piece) for a, piece in zip(starts, divided, strict=True)]
            pieces = [(a, *_rstrip_end(line, line_spans, width)) for a, line, line_spans in pieces]
        for start, line, line_spans in pieces:
            used = cell_len(line) if cells is None else cells[start + len(line)] - cells[start]
            if used > width:
                line = (
                    set_cell_size(line, width)
                    if cells is None
                    else _crop(line, cells, start, width)
                )
                line_spans = _trimmed(line_spans, len(line))
            elif text.justify == "left" and used < width:
                line += " " * (width - used)
            yield line, line_spans


def _crop(line: str, cells: list[int], start: int, width: int) -> str:
    """rich's set_cell_size(line, width) for a line wider than `width`, which starts at
    `start` of the text `cells` measures: cut after the last character that fits, a wide
    character cut in half becoming a space (rich walks the line's graphemes for this)."""
    end = bisect_right(cells, cells[start] + width, start, start + len(line) + 1) - 1
    cut = line[: end - start]
    return cut if cells[end] - cells[start] == width else cut + " "


def _cells(text: str) -> list[int] | None:
    """The cells taken by each prefix of `text` (rich's cell_len of text[:i] at i), or None
    where rich measures graphemes rather than characters (a zero-width joiner, VS16)."""
    if "\u200d" in text or "\ufe0f" in text:
        return None
    # Each character's width as a byte (0, 1 or 2), summed at C speed.
    return list(accumulate(text.translate(_WIDTHS).encode("latin-1"), initial=0))


class _Widths(dict[int, str]):
    """Code point -> its rich cell width as a character (chr(0), chr(1), chr(2)), learnt
    as characters are met."""

    def __missing__(self, code: int) -> str:
        width = chr(get_character_cell_size(chr(code)))
        self[code] = width
        return width


_WIDTHS = _Widths()
_NON_SPACE = re.compile(r"\S")
_UP_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)  # greedy: ends after the last space


def _divide_line(text: str, cells: list[int] | None, width: int, fold: bool) -> list[int]:
    """rich._wrap.divide_line, with the same breaks, found a line at a time: rich puts a
    word (`\\s*\\S+\\s*`) on the line while the line up to the word's last visible cell
    fits, so a line ends before the word holding the last character that fits, or after
    the space that character is. Found with a bisection over the cells and two searches
    per line, never a step per word (rich measures each word twice, most of `show`'s
    time on a long answer). A word wider than a line is left to rich."""
    if cells is None or width < 1:
        return _rich_divide_line(text, width, fold)
    breaks: list[int] = []
    start, end = 0, len(text)
    while True:
        # text[start:fit] is the longest piece that fits in the width
        fit = bisect_right(cells, cells[start] + width, start) - 1
        if fit >= end:
            return breaks
        if text[fit].isspace():  # every word before it fits; the next one starts the line
            found = _NON_SPACE.search(text, fit)
            if found is None:
                return breaks  # only the last word's spaces are left
            following = found.start()
            whole_word = _NON_SPACE.search(text, start, fit) is not None
        else:  # inside a word: the line ends before it
            found = _UP_TO_LAST_SPACE.match(text, start, fit)
            following = found.end() if found else start
            whole_word = _NON_SPACE.search(text, start, following) is not None
        if not whole_word:  # the line's first word is wider than the line
            return _rich_divide_line(text, width, fold)
        breaks.append(following)
        start = following


def _rich_divide_line(text: str, width: int, fold: bool) -> list[int]:
    # Imported here: only a word wider than a line, or graphemes, need rich's own.
    from rich._wrap import divide_line

    return divide_line(text, width, fold=fold)


def _divide(plain: str, spans: list[Span], bounds: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """rich's Text.divide: the text between each pair of bounds, with the parts of the
    spans that fall in it (empty parts dropped)."""
    return [
        (
            plain[a:b],
            [(max(x, a) - a, min(y, b) - a, s) for x, y, s in spans if min(y, b) > max(x, a)],
        )
        for a, b in bounds
    ]


def _rstrip_end(line: str, spans: list[Span], size: int) -> tuple[str, list[Span]]:
    """rich's Text.rstrip_end: whitespace beyond `size` characters dropped."""
    if len(line) > size:
        trailing = _TRAILING_SPACE.search(line)
        if trailing is not None:
            line = line[: -min(len(trailing.group(0)), len(line) - size)]
            spans = _trimmed(spans, len(line))
    return line, spans


def _segments(line: str, base: str, spans: list[Span], no_color: bool) -> Iterable[str]:
    """A line's text cut at every span's edge, each piece in its combined style's SGR
    codes, as rich's Text.render and Style.render."""
    edges = sorted({0, len(line), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    for a, b in zip(edges, edges[1:], strict=False):
        if b > len(line):
            break
        styles = [base, *(s for x, y, s in spans if x <= a and y >= b)]
        codes = sgr(" ".join(styles), no_color=no_color)
        piece = line[a:b]
        yield f"\x1b[{codes}m{piece}\x1b[0m" if codes and piece else piece


def sgr(style: str, *, no_color: bool = False) -> str:
    """The SGR parameters rich writes for a style made of attributes and colours
    (`bold green`; a later colour wins); without the colour for NO_COLOR."""
    attributes: set[str] = set()
    color = None
    for word in style.split():
        if word in _ATTRIBUTES:
            attributes.add(word)
        elif word in _SGR:
            color = _SGR[word]
        else:
            raise ValueError(f"style word {word!r} is not one the Writer knows")
    codes = [code for name, code in _ATTRIBUTES.items() if name in attributes]
    return ";".join([*codes, color] if color and not no_color else codes)


# Markdown that is nothing but paragraphs of text: rich shows it as wrapped paragraphs,
# with no markup to read. Anything that could be markup (emphasis, code, links, HTML,
# entities, escapes, tables, headings, lists, quotes, rules, indented code, hard breaks,
# ~~strikethrough~~; a lone ~ as in 3~5일 is text) is left to rich's Markdown.
_MARKUP = re.compile(r"[\\`*_\[\]<>&|#\t]|~~|^[^\S\n]|^[-+=]|^\d+[.)]|[^\S\n]$", re.MULTILINE)


def paragraphs(body: str) -> list[str] | None:
    """`body`'s paragraphs as rich's Markdown reads them (lines joined by a space), or
    None when it may hold Markdown markup."""
    if not body.strip() or _MARKUP.search(body):
        return None
    found: list[str] = []
    lines: list[str] = []
    for line in [*body.split("\n"), ""]:
        if line:
            lines.append(line)
        elif lines:
            found.append(" ".join(lines))
            lines = []
    return found


def writer() -> Writer | None:
    """A Writer for standard output, or None where rich would write otherwise than it
    does to an ordinary terminal, pipe or file."""
    env = os.environ
    if sys.platform == "win32" or "get_ipython" in vars(builtins):
        return None
    if getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return None
    if env.get("TTY_COMPATIBLE", "") in ("0", "1"):  # rich's Console.is_terminal
        ansi = env["TTY_COMPATIBLE"] == "1"
    elif "FORCE_COLOR" in env:
        ansi = env["FORCE_COLOR"] != ""
    else:
        try:
            ansi = sys.stdout.isatty()
        except (AttributeError, ValueError):
            ansi = False
    if ansi and env.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    return Writer(_width(env), ansi=ansi, no_color=env.get("NO_COLOR", "") != "")


def _width(env: os._Environ[str] | dict[str, str]) -> int:
    """rich's Console width: COLUMNS, else the first standard stream that is a terminal,
    else 80."""
    columns = env.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80
