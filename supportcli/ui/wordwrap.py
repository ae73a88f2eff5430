"""Wrapping an answer being typed at word boundaries. prompt_toolkit wraps a long line
at whatever cell the terminal ends on, which cuts Korean words (and every other) in the
middle; this processor pads the row before a word that would not fit, so the word starts
the next row whole. Only the display changes: the text typed is never touched."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.formatted_text.utils import fragment_list_to_text
from prompt_toolkit.layout.processors import (
    Processor,
    Transformation,
    TransformationInput,
    explode_text_fragments,
)
from prompt_toolkit.utils import get_cwidth


class WordWrap(Processor):
    """`prefix` is the width every row of the answer starts with (the prompt's mark, and
    prompt_toolkit's continuation of the same width on the rows after)."""

    def __init__(self, prefix: int) -> None:
        self.prefix = prefix

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        width = ti.width - self.prefix
        chars = explode_text_fragments(ti.fragments)
        text = fragment_list_to_text(chars)
        if width < 8 or get_cwidth(text) <= width:  # fits, or too narrow to matter
            return Transformation(ti.fragments)
        out: StyleAndTextTuples = []
        to_display: list[int] = []
        column = shown = 0
        for i, (style, char, *_) in enumerate(chars):
            if char != " " and (i == 0 or text[i - 1] == " "):
                word = _width(text, i)
                if column and column + word > width and word <= width:
                    out.append(("", " " * (width - column)))  # pad: the word starts a row
                    shown += width - column
                    column = 0
            to_display.append(shown)
            out.append((style, char))
            shown += len(char)
            cells = get_cwidth(char)
            column = cells if column + cells > width else column + cells
        to_display += [shown, shown + 1]  # the cursor may stand after the line's end
        back = {shown: source for source, shown in enumerate(to_display)}

        def display_to_source(shown: int) -> int:
            while shown > 0 and shown not in back:  # padding: the word after it
                shown -= 1
            return back.get(shown, 0)

        return Transformation(out, lambda source: to_display[source], display_to_source)


def _width(text: str, start: int) -> int:
    end = text.find(" ", start)
    return get_cwidth(text[start : end if end >= 0 else len(text)])
