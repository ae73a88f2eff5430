"""A real local help center on 127.0.0.1 (threading http.server): a Zendesk Guide Help
Center API and a themed site with robots.txt and a sitemap, in the shapes real help
centers publish, Korean and English.

Usage::

    with HelpCenter() as hc:
        hc.url                      # http://127.0.0.1:PORT
        hc.articles[...]            # the Zendesk articles (edit between syncs)
        hc.pages[...]               # the site's pages: path -> Page (edit between syncs)
        hc.requests                 # [(path with query, status)] in order

Pages answer ETag and Last-Modified and honour If-None-Match / If-Modified-Since with a
304. A page can be made slow, a 404 or a 500. No pytest dependency here."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit


@dataclass
class Page:
    title: str
    body: str  # the article body's HTML
    lang: str = "ko"
    category: str = "결제"
    lastmod: str | None = "2026-11-01T09:00:00+00:00"
    status: int = 200
    delay: float = 0.0
    raw: str | None = None  # a whole page as is (not an article)
    listed: bool = True  # in the sitemap


ZENDESK_CATEGORIES = {
    "ko": [{"id": 10, "name": "계정 및 로그인"}, {"id": 11, "name": "결제 및 환불"}],
    "en-us": [{"id": 10, "name": "Account & login"}, {"id": 11, "name": "Billing"}],
}
ZENDESK_SECTIONS = {
    "ko": [
        {"id": 20, "category_id": 10, "name": "비밀번호"},
        {"id": 21, "category_id": 11, "name": "환불"},
    ],
    "en-us": [
        {"id": 20, "category_id": 10, "name": "Passwords"},
        {"id": 21, "category_id": 11, "name": "Refunds"},
    ],
}


def zendesk_article(
    article_id: int, locale: str, title: str, body: str, section: int, updated: str
) -> dict[str, Any]:
    """An article as the Help Center API lists it (the fields we read, and some we don't)."""
    return {
        "id": article_id,
        "url": f"/api/v2/help_center/{locale}/articles/{article_id}.json",
        "html_url": f"https://acme.zendesk.example/hc/{locale}/articles/{article_id}-{title.split()[0]}",
        "author_id": 1,
        "comments_disabled": False,
        "draft": False,
        "promoted": False,
        "position": 0,
        "vote_sum": 0,
        "vote_count": 0,
        "section_id": section,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": updated,
        "edited_at": updated,
        "name": title,
        "title": title,
        "source_locale": locale,
        "locale": locale,
        "outdated": False,
        "label_names": [title.split()[0]],
        "body": body,
    }


class HelpCenter:
    PAGE_SIZE = 2  # Zendesk's is up to 100; small here so pagination is exercised

    def __init__(self, *, zendesk: bool = True) -> None:
        self.zendesk = zendesk
        self.articles: dict[str, list[dict[str, Any]]] = {"ko": [], "en-us": []}
        self.pages: dict[str, Page] = {}
        self.robots = "User-agent: *\nDisallow: /private/\n"
        self.requests: list[tuple[str, int]] = []
        self.agents: set[str] = set()  # User-Agent headers seen
        self.times: list[float] = []  # when each request arrived (time.monotonic)
        self.port = 0
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HelpCenter:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    # --- what the server answers --------------------------------------------------------

    def answer(
        self, path: str, query: dict[str, list[str]], headers: Any
    ) -> tuple[int, dict[str, str], bytes]:
        if path.startswith("/api/v2/help_center/"):
            return self._api(path, query)
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, self.robots.encode()
        if path == "/sitemap.xml":
            index = f"<sitemap><loc>{self.url}/sitemap-articles.xml</loc></sitemap>"
            return 200, _XML, _xml("sitemapindex", index)
        if path == "/sitemap-articles.xml":
            return (
                200,
                _XML,
                _xml(
                    "urlset",
                    "".join(self._url(p, page) for p, page in self.pages.items() if page.listed),
                ),
            )
        page = self.pages.get(path)
        if page is None:
            return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"
        if page.delay:
            time.sleep(page.delay)
        if page.status != 200:
            return page.status, {"Content-Type": "text/html"}, b"<h1>Error</h1>"
        html = (page.raw or _theme(page, self.url)).encode()
        etag = '"' + hashlib.sha256(html).hexdigest()[:16] + '"'
        modified = "Sun, 01 Nov 2026 09:00:00 GMT"
        fresh = {
            "ETag": etag,
            "Last-Modified": modified,
            "Content-Type": "text/html; charset=utf-8",
        }
        if headers.get("If-None-Match") == etag:
            return 304, fresh, b""
        return 200, fresh, html

    def _url(self, path: str, page: Page) -> str:
        lastmod = f"<lastmod>{page.lastmod}</lastmod>" if page.lastmod else ""
        return f"<url><loc>{self.url}{quote(path)}</loc>{lastmod}</url>"  # URLs are escaped

    def _api(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        if not self.zendesk:
            return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"
        parts = path.removeprefix("/api/v2/help_center/").split("/")
        if len(parts) != 2 or parts[0] not in self.articles:
            return 404, _JSON, b'{"error": "RecordNotFound"}'
        locale, what = parts[0], parts[1].removesuffix(".json")
        items = {
            "articles": self.articles[locale],
            "sections": ZENDESK_SECTIONS[locale],
            "categories": ZENDESK_CATEGORIES[locale],
        }.get(what)
        if items is None:
            return 404, _JSON, b'{"error": "RecordNotFound"}'
        size = min(int(query.get("per_page", ["30"])[0]), self.PAGE_SIZE)
        number = int(query.get("page", ["1"])[0])
        chunk = items[(number - 1) * size : number * size]
        more = number * size < len(items)
        next_page = f"{self.url}{path}?page={number + 1}&per_page={size}" if more else None
        data = {
            what: chunk,
            "page": number,
            "per_page": size,
            "page_count": -(-len(items) // size),
            "count": len(items),
            "next_page": next_page,
            "previous_page": None,
            "sort_by": "position",
            "sort_order": "asc",
        }
        return 200, _JSON, json.dumps(data, ensure_ascii=False).encode()


_XML = {"Content-Type": "application/xml"}
_JSON = {"Content-Type": "application/json; charset=UTF-8"}


def _xml(root: str, inner: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{inner}</{root}>'
    ).encode()


def _theme(page: Page, base: str) -> str:
    """An article page as Zendesk Guide's Copenhagen theme renders one."""
    home = "고객센터" if page.lang == "ko" else "Help Center"
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="{page.lang}">
<head><meta charset="utf-8"><title>{page.title} – ACME {home}</title>
<meta property="og:title" content="{page.title}"></head>
<body>
<header class="header"><a href="/">ACME</a>
<nav class="user-nav"><a href="/hc/requests/new">문의 등록</a></nav></header>
<main role="main">
<div class="container">
<nav class="sub-nav"><ol class="breadcrumbs">
<li title="{home}"><a href="/hc/{page.lang}">{home}</a></li>
<li title="{page.category}"><a href="/hc/{page.lang}/categories/1">{page.category}</a></li>
</ol><form role="search" class="search"><input type="search" name="query"></form></nav>
<div class="article-container" id="article-container">
<aside class="article-sidebar"><h3>이 섹션의 문서</h3>
<ul><li><a href="/x">다른 문서</a></li></ul></aside>
<article id="main-content" class="article">
<header class="article-header">
<h1 title="{page.title}" class="article-title">{page.title}</h1></header>
<section class="article-info"><div class="article-content">
<div class="article-body">{page.body}</div>
</div></section>
<footer><div class="article-votes">도움이 되었나요?</div></footer>
</article></div></div></main>
<footer class="footer"><a href="/">ACME</a> © 2026</footer>
</body></html>"""


def _handler(server: HelpCenter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            server.times.append(time.monotonic())
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            status, headers, body = server.answer(path, parse_qs(parts.query), self.headers)
            server.requests.append((self.path, status))
            server.agents.add(self.headers.get("User-Agent", ""))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # gave up
                    self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    return Handler
