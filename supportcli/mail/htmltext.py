"""An HTML answer as readable text, through Beautiful Soup (with Python's own html.parser,
so no compiled parser is needed): scripts, styles and tracking images dropped, paragraphs
and line breaks kept, links kept as "text (address)", quoted mail (<blockquote>) as ">"
lines so the quote cutter can see it. Never raises: a page Beautiful Soup cannot take is
read by a plain tag stripper instead."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_DROP = ("script", "style", "head", "title", "noscript", "template", "object", "iframe", "svg")
_BLOCKS = (
    "p", "div", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "pre", "hr", "dt", "dd", "section", "article", "header", "footer", "center", "address",
)  # fmt: skip
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_WHITE = re.compile(r"\s+")
# Characters; a longer page (rare: a long Outlook thread) is read by the plain tag stripper,
# which keeps the text and line breaks but not link addresses or quote marks.
_SOUP_LIMIT = 512 * 1024
_MAX_QUOTE_DEPTH = 20  # nested quotes deeper than this are not marked again


def html_to_text(html: str) -> str:
    if len(html) > _SOUP_LIMIT:  # a parse tree costs ~5 us a character here: keep it bounded
        return _tidy(_stripped(html))
    try:
        return _tidy(_with_soup(html))
    except Exception:  # a page the library cannot take (or too deep for it): strip tags
        return _tidy(_stripped(html))


def _with_soup(html: str) -> str:
    # Imported here: only an HTML-only answer needs it, and it costs ~60 ms to import.
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(html, "html.parser")
    return _Walk(NavigableString).run(soup)


class _Walk:
    """One pass over the tree with an explicit stack (no recursion, however deep the page;
    no tree edits, which cost a scan of the siblings each in Beautiful Soup)."""

    def __init__(self, string_type: type) -> None:
        self.string_type = string_type
        self.out: list[list[str]] = [[]]  # a blockquote collects into its own buffer
        self.pre = 0
        self.links: dict[int, int] = {}

    def run(self, root: Any) -> str:
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self.leave(node)
            elif isinstance(node, self.string_type):
                if type(node) is self.string_type:  # not a comment, doctype, CDATA
                    self.out[-1].append(str(node) if self.pre else _WHITE.sub(" ", str(node)))
            elif node.name not in _DROP and self.enter(node):
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.contents))
        return "".join(self.out[0])

    def enter(self, tag: Any) -> bool:
        """Whether to walk into it."""
        name = tag.name
        if name == "br":
            self.out[-1].append("\n")
            return False
        if name == "img":
            self.out[-1].append(_image(tag))
            return False
        if name in _BLOCKS:
            self.out[-1].append("\n")
        if name == "pre":
            self.pre += 1
        elif name == "blockquote" and len(self.out) < _MAX_QUOTE_DEPTH:
            self.out.append([])
        elif name == "a" and not self.links:  # links inside links: the outer one speaks
            self.links[id(tag)] = len(self.out[-1])
        return True

    def leave(self, tag: Any) -> None:
        name = tag.name
        if name in _BLOCKS:
            self.out[-1].append("\n")
        if name == "pre":
            self.pre -= 1
        elif name in ("td", "th"):
            self.out[-1].append(" ")
        elif name == "blockquote" and len(self.out) > 1:
            text = "".join(self.out.pop())
            self.out[-1].append(_quoted(text))
        elif name == "a" and id(tag) in self.links:
            start = self.links.pop(id(tag))
            self.out[-1].append(_link(tag, "".join(self.out[-1][start:])))


def _image(img: Any) -> str:
    """Tracking pixels and remote decorations vanish; a picture the mail carries (cid:)
    or one described by its alt text leaves a mark where it was."""
    src = str(img.get("src") or "")
    alt = _SPACES.sub(" ", str(img.get("alt") or "")).strip()
    tiny = any(
        str(img.get(k) or "").strip() in ("0", "1", "1px", "0px") for k in ("width", "height")
    )
    if tiny:
        return ""
    if src.lower().startswith("cid:"):
        return f"[image: {alt or src[4:]}]"
    return f"[image: {alt}]" if alt else ""


def _link(link: Any, text: str) -> str:
    """What follows a link's text: its address, when the text does not already say it."""
    href = str(link.get("href") or "").strip()
    text = _SPACES.sub(" ", text).strip()
    if not href.lower().startswith(("http:", "https:", "mailto:")) or len(href) > 2000:
        return ""
    shown = href[7:] if href.lower().startswith("mailto:") else href
    if shown == text:
        return ""
    return f" ({shown})" if text else shown


def _quoted(text: str) -> str:
    lines = text.strip("\n").split("\n")
    return "\n" + "\n".join(f"> {line}".rstrip() for line in lines) + "\n"


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


class _Stripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _DROP:
            self.hidden += 1
        elif tag in _BLOCKS or tag in ("br", "blockquote"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP and self.hidden:
            self.hidden -= 1
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def _stripped(html: str) -> str:
    parser = _Stripper()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # whatever it read before giving up is still text
        pass
    return "".join(parser.parts)
