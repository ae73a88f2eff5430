"""Text laid out in terminal cells, where a Korean character takes two.

rich's tables measure wide characters too, but when a column is squeezed they cut a
Korean word in the middle with " …" (`support topics` showed 결제 as "(결 …" at 80
columns) and decide on their own which column gives way. The browsing tables are simple
enough to lay out here: every width is known in cells, words are never split when they
fit on a line, and a cut ends in a single "…"."""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len, get_character_cell_size

ELLIPSIS = "…"


def fit(text: str, cells: int) -> str:
    """`text` in at most `cells` cells, cut with … when it is longer."""
    if cell_len(text) <= cells:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        size = get_character_cell_size(char)
        if used + size > cells - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def pad(text: str, cells: int, *, right: bool = False) -> str:
    """`text` filled with spaces to `cells` cells (wide characters counted as two)."""
    room = " " * max(cells - cell_len(text), 0)
    return room + text if right else text + room


def wrap(text: str, cells: int) -> list[str]:
    """`text` in lines of at most `cells` cells, broken between words; a word wider than
    a whole line is the only thing cut (with …)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= cells:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = fit(word, cells)
    if line:
        lines.append(line)
    return lines


def screen_rows(line: str, cells: int) -> Iterator[str]:
    """One long line as screen rows of at most `cells` cells, broken after the last space
    that fits (the space itself is dropped), or mid-word when a word is wider than a row.
    Linear in the line's length (rich's own wrapping made a 20 MB line of words take 15 s
    in `show`): an ASCII line needs no measuring, any other is measured once."""
    widths = None if line.isascii() else line.translate(_WIDTHS)
    start, end = 0, len(line)
    while end - start > 0:
        fits = min(cells, end - start) if widths is None else _chars_in(widths, start, cells)
        if start + fits >= end:
            yield line[start:]
            return
        cut = line.rfind(" ", start + 1, start + fits + 1)
        if cut > start:
            yield line[start:cut]
            start = cut + 1
        else:
            yield line[start : start + fits]
            start += fits


def _chars_in(widths: str, start: int, cells: int) -> int:
    """How many characters from `start` fit in `cells` cells (at least one), `widths`
    holding each character's width as a digit ("0", "1", "2"): a prefix's width is then
    two counts at C speed, and the cut is found in a few steps (a loop over the
    characters made 20 MB of Korean take 2.4 s)."""
    fits = min(cells, len(widths) - start)
    while fits > 1:
        part = widths[start : start + fits]
        over = fits - part.count("0") + part.count("2") - cells
        if over <= 0:
            break
        fits -= max(over // 2, 1)
    return max(fits, 1)


class _Widths(dict[int, str]):
    """Code point -> its width in cells as a digit, learnt as characters are met."""

    def __missing__(self, code: int) -> str:
        width = str(min(get_character_cell_size(chr(code)), 2))
        self[code] = width
        return width


_WIDTHS = _Widths()
