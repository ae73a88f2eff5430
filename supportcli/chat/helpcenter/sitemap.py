"""Any help center that publishes a sitemap: its pages fetched politely (see `fetch`) and
their article extracted (see `extract`).

A sync reads the sitemap again. A page whose `<lastmod>` is the one stored is not fetched
at all; any other page already stored is asked for conditionally (If-None-Match with its
ETag, If-Modified-Since with its Last-Modified), so an unchanged one costs a 304. A page
that is gone from the sitemap, answers 404 or 410, or is no longer an article is removed;
one that fails (5xx, a timeout) keeps its stored version until a later sync."""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin

from defusedxml import ElementTree

from supportcli.chat.articles import Article, _split
from supportcli.chat.helpcenter.extract import Page, article_page
from supportcli.chat.helpcenter.fetch import Fetcher, FetchError
from supportcli.chat.helpcenter.importer import Outcome, Versions, Writer, slug_of
from supportcli.chat.helpcenter.index import doc_terms
from supportcli.chat.retrieval import language_of
from supportcli.i18n import _
from supportcli.store.kb import Stored

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MAX_SITEMAPS = 50  # nested sitemaps followed from one index
WORKERS = 4  # pages fetched at once when there is no politeness delay


@dataclass(frozen=True)
class Entry:
    url: str
    lastmod: str | None


@dataclass(frozen=True)
class Fetched:
    entry: Entry
    status: str  # "page", "same", "gone", "failed", "skipped"
    article: Article | None = None
    category: str = ""
    postings: Counter[str] | None = None  # its terms, counted in the fetching thread
    versions: Versions | None = None
    reason: str = ""


def find(fetcher: Fetcher, url: str) -> str | None:
    """The sitemap of a site: the URL itself when it is one, else robots.txt's, else
    /sitemap.xml."""
    candidates = [url] if url.endswith((".xml", ".xml.gz")) else []
    candidates += fetcher.sitemaps(url) + [urljoin(url.rstrip("/") + "/", "/sitemap.xml")]
    for candidate in candidates:
        try:
            if _entries(fetcher, candidate, depth=1) is not None:
                return candidate
        except FetchError:
            continue
    return None


def import_all(
    fetcher: Fetcher,
    writer: Writer,
    sitemap_url: str,
    progress: Callable[[int, int | None], None] | None = None,
) -> Outcome:
    entries = _entries(fetcher, sitemap_url, depth=0)
    if entries is None:
        raise FetchError(_("{url}: not a sitemap").format(url=sitemap_url))
    workers = WORKERS if fetcher.delay == 0 else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        stored = [writer.version(e.url) for e in entries]
        results = pool.map(lambda pair: _fetch(fetcher, *pair), zip(entries, stored, strict=True))
        for done, fetched in enumerate(results, start=1):
            _record(writer, fetched)
            if progress:
                progress(done, len(entries))
    return writer.finish(complete=True)


def _record(writer: Writer, fetched: Fetched) -> None:
    url = fetched.entry.url
    if fetched.status == "same":
        writer.keep(url, fetched.versions)
    elif fetched.status == "page" and fetched.article is not None:
        versions = fetched.versions or Versions()
        writer.put(url, fetched.article, category=fetched.category, versions=versions,
                   postings=fetched.postings)  # fmt: skip
    elif fetched.status == "failed":
        writer.outcome.problems.append(f"{url}: {fetched.reason}")
        if writer.version(url) is not None:
            writer.keep(url)  # kept as it was until the page answers again
    else:  # gone, or not an article: not kept, so a stored copy is removed
        writer.outcome.problems.append(f"{url}: {fetched.reason}")


def _fetch(fetcher: Fetcher, entry: Entry, old: Stored | None) -> Fetched:
    if old is not None and entry.lastmod and old.updated_at == entry.lastmod:
        return Fetched(entry, "same")  # the sitemap says it has not changed: not fetched
    if not fetcher.allowed(entry.url):
        return Fetched(entry, "skipped", reason=_("robots.txt does not allow it; skipped"))
    headers = {}
    if old is not None and old.etag:
        headers["If-None-Match"] = old.etag
    if old is not None and old.last_modified:
        headers["If-Modified-Since"] = old.last_modified
    try:
        response = fetcher.get(entry.url, headers)
    except FetchError as exc:
        return Fetched(entry, "failed", reason=str(exc).removeprefix(f"{entry.url}: "))
    versions = Versions(
        updated_at=entry.lastmod,
        etag=response.headers.get("etag") or (old.etag if old else None),
        last_modified=response.headers.get("last-modified") or (old.last_modified if old else None),
    )
    if response.status_code == 304 and old is not None:
        return Fetched(entry, "same", versions=versions)
    if response.status_code in (404, 410):
        return Fetched(
            entry,
            "gone",
            reason=_("HTTP {status}; not imported").format(status=response.status_code),
        )
    if response.status_code != 200:
        return Fetched(
            entry,
            "failed",
            reason=_("HTTP {status}; kept as it was, try again later").format(
                status=response.status_code
            ),
        )
    page = article_page(response.text, str(response.url))
    if page is None:
        return Fetched(entry, "skipped", reason=_("not an article; skipped"))
    article = _article(entry.url, page)
    return Fetched(
        entry, "page", article, page.category, postings=doc_terms(article), versions=versions
    )


def _article(url: str, page: Page) -> Article:
    summary, sections = _split(page.markdown)
    return Article(
        slug=slug_of(url, url),
        title=page.title,
        topic="",
        language=page.language or language_of(f"{page.title} {page.markdown[:500]}"),
        link=url,
        keywords=(),
        summary=summary,
        sections=sections,
    )


def _entries(fetcher: Fetcher, url: str, *, depth: int) -> list[Entry] | None:
    """The pages a sitemap (or a sitemap index, followed) lists; None if not a sitemap."""
    response = fetcher.get(url)
    if response.status_code != 200:
        raise FetchError(f"{url}: HTTP {response.status_code}")
    data = response.content
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        root = ElementTree.fromstring(data)
    except Exception:  # defusedxml raises several kinds; any of them: not a sitemap
        return None
    if root.tag == f"{NS}urlset":
        return list(_urls(root))
    if root.tag != f"{NS}sitemapindex" or depth > 2:
        return None
    found: list[Entry] = []
    for loc in root.findall(f"{NS}sitemap/{NS}loc")[:MAX_SITEMAPS]:
        found += _entries(fetcher, (loc.text or "").strip(), depth=depth + 1) or []
    return found


def _urls(root: object) -> Iterator[Entry]:
    seen = set()
    for node in root.findall(f"{NS}url"):  # type: ignore[attr-defined]
        loc = (node.findtext(f"{NS}loc") or "").strip()
        if loc and loc not in seen:
            seen.add(loc)
            yield Entry(loc, (node.findtext(f"{NS}lastmod") or "").strip() or None)
