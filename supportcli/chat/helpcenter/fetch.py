"""Polite HTTP for importing help centers: one httpx client with a User-Agent that says
who we are, robots.txt obeyed (urllib.robotparser), and a delay between two requests to
the same host (`kb.delay`, default 1 s; a robots.txt Crawl-delay that is longer wins).

Imported only by `support kb add` and `kb sync` (httpx costs ~60 ms to import)."""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from urllib.parse import urlsplit

import httpx

from supportcli import __version__
from supportcli.i18n import _

USER_AGENT = f"support-cli/{__version__} (help-center import for the support command line)"
ROBOTS_NAME = "support-cli"  # the name robots.txt rules address us by
DISALLOW_ALL = ["User-agent: *", "Disallow: /"]


class FetchError(Exception):
    """A request that got no usable answer: the reason, in one line."""


class Fetcher:
    def __init__(self, *, delay: float, timeout: float) -> None:
        self.delay = delay
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8),
        )
        self.requests = 0
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._next: dict[str, float] = {}  # host -> when its next request may start
        self._lock = threading.Lock()
        self._robots_lock = threading.Lock()  # one robots.txt request per site

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET after the host's politeness delay; network failures as FetchError."""
        self._wait(url)
        try:
            response = self.client.get(url, headers=headers or {})
        except httpx.TimeoutException:
            raise FetchError(_("{url}: no answer in time").format(url=url)) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
        finally:
            with self._lock:
                self.requests += 1
        return response

    def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets us fetch this page."""
        robots = self._robots_for(url)
        return robots is None or robots.can_fetch(ROBOTS_NAME, url)

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        with self._robots_lock:
            return self._read_robots(url)

    def _read_robots(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._robots:
                return self._robots[origin]
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            response = self.get(origin + "/robots.txt")
        except FetchError:
            parser.parse(DISALLOW_ALL)  # no answer: assume the worst, as crawlers do
        else:
            if response.status_code in (401, 403) or response.status_code >= 500:
                parser.parse(DISALLOW_ALL)
            elif response.status_code >= 400:
                parser.parse([])  # no robots.txt: everything is allowed
            else:
                parser.parse(response.text.splitlines())
        crawl_delay = parser.crawl_delay(ROBOTS_NAME)
        with self._lock:
            self._robots[origin] = parser
            if crawl_delay and float(crawl_delay) > self.delay:
                self.delay = float(crawl_delay)
        return parser

    def sitemaps(self, url: str) -> list[str]:
        """The sitemaps a site's robots.txt names."""
        robots = self._robots_for(url)
        return list((robots.site_maps() or []) if robots else [])

    def _wait(self, url: str) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            start = max(time.monotonic(), self._next.get(host, 0.0))
            self._next[host] = start + self.delay
        pause = start - time.monotonic()
        if pause > 0:
            time.sleep(pause)
