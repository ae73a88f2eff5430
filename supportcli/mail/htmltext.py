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


def html_to_text(html: str) -> str:
    try:
        return _tidy(_with_soup(html))
    except Exception:  # a page the library cannot take (or too deep for it): strip tags
        return _tidy(_stripped(html))


def _with_soup(html: str) -> str:
    # Imported here: only an HTML-only answer needs it, and it costs ~60 ms to import.
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROP):
        tag.decompose()
    kept_as_is = {id(text) for pre in soup("pre") for text in pre.find_all(string=True)}
    for text in soup.find_all(string=True):
        if type(text) is not NavigableString:
            text.extract()  # comments (Outlook's <!--[if mso]>), doctypes
        elif id(text) not in kept_as_is:
            text.replace_with(NavigableString(re.sub(r"\s+", " ", str(text))))
    for img in soup("img"):
        img.replace_with(NavigableString(_image(img)))
    for link in soup("a"):
        _link(link, NavigableString)
    for br in soup("br"):
        br.replace_with(NavigableString("\n"))
    for block in soup(_BLOCKS):
        block.insert_before(NavigableString("\n"))
        block.append(NavigableString("\n"))
    for cell in soup(("td", "th")):
        cell.append(NavigableString(" "))
    # Innermost first (a nested quote comes later in document order), so each level of
    # quoting adds its own ">".
    for quote in reversed(soup("blockquote")):
        quote.replace_with(NavigableString(_quoted(quote.get_text())))
    return str(soup.get_text())


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


def _link(link: Any, string: Any) -> None:
    href = str(link.get("href") or "").strip()
    text = _SPACES.sub(" ", link.get_text()).strip()
    if not href.lower().startswith(("http:", "https:", "mailto:")) or len(href) > 2000:
        return
    shown = href[7:] if href.lower().startswith("mailto:") else href
    if shown != text:
        link.append(string(f" ({shown})" if text else shown))


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
        elif tag in _BLOCKS or tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP and self.hidden:
            self.hidden -= 1

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
