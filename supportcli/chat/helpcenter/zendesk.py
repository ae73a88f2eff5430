"""A Zendesk Guide help center, through its public Help Center API:
`/api/v2/help_center/{locale}/articles.json` (100 a page, following `next_page`, or
`links.next` under cursor pagination), with its `sections.json` and `categories.json` for
topics. Every listing carries each article's body and `updated_at`, so a sync reads the
listing only: an article whose `updated_at` is the one stored is not converted or written
again, and one the listing no longer has is removed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from supportcli.chat.articles import Article, _split
from supportcli.chat.helpcenter.extract import to_markdown
from supportcli.chat.helpcenter.fetch import Fetcher, FetchError
from supportcli.chat.helpcenter.importer import Outcome, Versions, Writer, slug_of

LOCALES = ("ko", "en-us")
PAGE_SIZE = 100
MAX_PAGES = 10_000  # a listing that never ends is not a help center's


def base_of(url: str) -> str:
    """The help center's root: `https://help.example.com/hc/ko/articles/1` ->
    `https://help.example.com`."""
    parts = urlsplit(url.rstrip("/"))
    path = parts.path.split("/hc/")[0].split("/api/v2/")[0]
    return urlunsplit((parts.scheme, parts.netloc, "" if path == "/hc" else path, "", ""))


def detect(fetcher: Fetcher, base: str, locales: tuple[str, ...] = LOCALES) -> bool:
    """Whether `base` answers the Help Center API like Zendesk Guide."""
    for locale in locales:
        try:
            response = fetcher.get(_api(base, locale, "articles") + "?per_page=1")
        except FetchError:
            return False
        if response.status_code == 200 and _is_listing(response, "articles"):
            return True
    return False


def import_all(
    fetcher: Fetcher,
    writer: Writer,
    base: str,
    locales: tuple[str, ...],
    progress: Callable[[int, int | None], None] | None = None,
) -> Outcome:
    complete = True
    done = 0
    for locale in locales:
        before = done  # the bar's total grows by each locale's count as it is learnt
        try:
            names = _categories(fetcher, base, locale)
            for item, total in _listing(fetcher, _api(base, locale, "articles"), "articles"):
                _one(writer, item, locale, names)
                done += 1
                if progress:
                    progress(done, before + total if total is not None else None)
        except FetchError as exc:
            writer.outcome.problems.append(str(exc))
            complete = False  # a listing cut short must not remove what it did not reach
    return writer.finish(complete=complete)


def _one(writer: Writer, item: dict[str, Any], locale: str, names: dict[int, str]) -> None:
    if item.get("draft"):
        return
    key = f"{item['id']}/{locale}"
    updated = str(item.get("updated_at") or item.get("edited_at") or "")
    versions = Versions(updated_at=updated or None)
    old = writer.version(key)
    if old is not None and updated and old.updated_at == updated:
        writer.keep(key)
        return
    link = str(item.get("html_url") or "")
    summary, sections = _split(to_markdown(str(item.get("body") or ""), link))
    article = Article(
        slug=slug_of(link, key.replace("/", "-")),
        title=str(item.get("title") or "").strip(),
        topic="",
        language=locale.split("-")[0].lower(),
        link=link,
        keywords=tuple(str(k) for k in item.get("label_names") or ()),
        summary=summary,
        sections=sections,
    )
    section = item.get("section_id")
    category = names.get(section, "") if isinstance(section, int) else ""
    writer.put(key, article, category=category, versions=versions)


def _categories(fetcher: Fetcher, base: str, locale: str) -> dict[int, str]:
    """Section id -> the name of its category (or of the section, without categories)."""
    categories = {
        c["id"]: str(c.get("name") or "")
        for c, _ in _listing(fetcher, _api(base, locale, "categories"), "categories")
    }
    return {
        s["id"]: categories.get(s.get("category_id"), "") or str(s.get("name") or "")
        for s, _ in _listing(fetcher, _api(base, locale, "sections"), "sections")
    }


def _listing(fetcher: Fetcher, url: str, key: str) -> Iterator[tuple[dict[str, Any], int | None]]:
    """Every item of a paginated listing, with the total when the API gives one."""
    next_url: str | None = f"{url}?per_page={PAGE_SIZE}"
    for _ in range(MAX_PAGES):
        if not next_url:
            return
        response = fetcher.get(next_url)
        if response.status_code != 200 or not _is_listing(response, key):
            raise FetchError(f"{next_url}: HTTP {response.status_code}")
        data = response.json()
        total = data.get("count") if isinstance(data.get("count"), int) else None
        for item in data[key]:
            if isinstance(item, dict) and "id" in item:
                yield item, total
        next_url = data.get("next_page") or (
            (data.get("links") or {}).get("next")
            if (data.get("meta") or {}).get("has_more")
            else None
        )


def _is_listing(response: Any, key: str) -> bool:
    try:
        data = response.json()
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get(key), list)


def _api(base: str, locale: str, what: str) -> str:
    return f"{base}/api/v2/help_center/{locale}/{what}.json"
