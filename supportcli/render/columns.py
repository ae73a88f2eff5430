"""Text laid out in terminal cells, where a Korean character takes two.

rich's tables measure wide characters too, but when a column is squeezed they cut a
Korean word in the middle with " …" (`support topics` showed 결제 as "(결 …" at 80
columns) and decide on their own which column gives way. The browsing tables are simple
enough to lay out here: every width is known in cells, words are never split when they
fit on a line, and a cut ends in a single "…"."""

from __future__ import annotations

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
