"""The composer's word wrap (ui/wordwrap.py), in-process: rows as a terminal of that
width draws them, and the cursor's every position mapped there and back."""

from __future__ import annotations

import pytest
from prompt_toolkit.document import Document
from prompt_toolkit.layout.processors import TransformationInput
from prompt_toolkit.utils import get_cwidth

from supportcli.ui.wordwrap import WordWrap

TEXT = "어제 결제를 했는데 두 번 빠졌어요 카드사에 문의했더니 가맹점에 물어보라고 합니다 ok"


def _rows(shown: str, width: int) -> list[str]:
    """Cut as prompt_toolkit wraps: a character that does not fit starts the next row."""
    rows, row = [""], 0
    for char in shown:
        if row + get_cwidth(char) > width:
            rows.append("")
            row = 0
        rows[-1] += char
        row += get_cwidth(char)
    return rows


@pytest.mark.parametrize("cols", [20, 37, 60, 80])
def test_words_are_never_cut_and_the_cursor_maps_back(cols):
    prefix = 3
    ti = TransformationInput(None, Document(TEXT), 0, lambda i: i, [("", TEXT)], cols, 10)  # type: ignore[arg-type]
    done = WordWrap(prefix).apply_transformation(ti)
    shown = "".join(text for _, text, *_ in done.fragments)
    assert shown.replace(" ", "") == TEXT.replace(" ", "")  # only spaces are added
    rows = _rows(shown, cols - prefix)
    for word in TEXT.split():
        assert any(word in row.split() for row in rows), rows
    for source in range(len(TEXT) + 1):
        display = done.source_to_display(source)
        assert done.display_to_source(display) == source
        if source < len(TEXT):
            assert shown[display] == TEXT[source]
