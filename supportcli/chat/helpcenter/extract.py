"""An article's title and main text from a help-center page, as Markdown with its
headings, lists and links (selectolax finds the main part; markdownify writes it).

Imported only by `support kb add` and `kb sync`. A page is an article when its main part
has a title and some prose; a list of links (a category page, a search page) is not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from markdownify import markdownify
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

# Where help centers put the article itself, most specific first (Zendesk Guide, Help
# Scout, Intercom, Freshdesk, then any page with <article> or <main>).
MAIN = (
    ".article-body",
    "article .article__body",
    ".article-content",
    "article",
    "[itemprop=articleBody]",
    "main",
    "[role=main]",
    "#content",
    "body",
)
CHROME = "script, style, noscript, template, nav, header, footer, aside, form, iframe, svg"
BREADCRUMBS = ".breadcrumbs li, .breadcrumb li, nav[aria-label*=readcrumb] li"
MIN_TEXT = 25  # characters of prose below which a page is not an article (Korean is dense)
MAX_LINK_SHARE = 0.6  # a page whose text is mostly link text is a listing


@dataclass(frozen=True)
class Page:
    title: str
    markdown: str
    language: str
    category: str


def article_page(html: str, url: str) -> Page | None:
    """The article on the page, or None when the page is not one."""
    tree = HTMLParser(html)
    title = _title(tree)
    category = _category(tree, title)
    language = _language(tree)
    for node in tree.css(CHROME):
        node.decompose()
    main = next((found for sel in MAIN if (found := tree.css_first(sel)) is not None), None)
    if main is None or not title:
        return None
    for heading in main.css("h1"):
        if heading.text(strip=True) == title:
            heading.decompose()
    text = main.text(separator=" ", strip=True)
    links = sum(len(a.text(strip=True)) for a in main.css("a"))
    if len(text) < MIN_TEXT or links > MAX_LINK_SHARE * len(text):
        return None
    return Page(title, to_markdown(main.html or "", url), language, category)


def to_markdown(html: str, base: str) -> str:
    """HTML (an article body) as Markdown: headings as `## `, lists, absolute links."""
    tree = HTMLParser(html)
    for link in tree.css("a[href]"):
        link.attrs["href"] = urljoin(base, link.attrs.get("href") or "")
    for node in tree.css("script, style, img"):
        node.decompose()
    body = tree.body or tree.root
    text = markdownify(
        (body.html if body is not None else "") or "", heading_style="ATX", bullets="-"
    )
    text = re.sub(r"^(?:body|<body>)\s*", "", text.strip())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _title(tree: HTMLParser) -> str:
    for selector in ("article h1", "main h1", "h1"):
        node = tree.css_first(selector)
        if node is not None and node.text(strip=True):
            return node.text(strip=True)
    meta = tree.css_first("meta[property='og:title']")
    if meta is not None and meta.attributes.get("content"):
        return str(meta.attributes["content"]).strip()
    node = tree.css_first("title")
    return re.split(r"\s+[|–—-]\s+", node.text(strip=True))[0] if node is not None else ""


def _category(tree: HTMLParser, title: str) -> str:
    """The first level under the home page in the breadcrumbs (Zendesk's category)."""
    crumbs = [_crumb(node) for node in tree.css(BREADCRUMBS)]
    crumbs = [c for c in crumbs if c and c != title]
    return crumbs[1] if len(crumbs) > 1 else ""


def _crumb(node: Node) -> str:
    return node.text(strip=True) or str(node.attributes.get("title") or "")


def _language(tree: HTMLParser) -> str:
    node = tree.css_first("html")
    lang = str(node.attributes.get("lang") or "") if node is not None else ""
    return lang.split("-")[0].lower()
