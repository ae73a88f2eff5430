"""What `support kb add / sync / sources / remove` do: recognise a source, import it,
keep it current, list and remove it. The commands only parse and render.

A SOURCE is a folder of Markdown articles, a Zendesk Guide help center (its base URL:
recognised by its Help Center API), a sitemap's URL, or a site whose robots.txt or
/sitemap.xml leads to one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from supportcli.chat.helpcenter import folders
from supportcli.chat.helpcenter.importer import Outcome, Writer
from supportcli.errors import BadInput, NotFound, SupportError
from supportcli.i18n import _
from supportcli.store import kb as store
from supportcli.store.db import connect, now, transaction
from supportcli.store.dialect import Database

if TYPE_CHECKING:
    from supportcli.chat.helpcenter.fetch import Fetcher

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Options:
    delay: float = 1.0
    timeout: float = 20.0
    locales: tuple[str, ...] = ("ko", "en-us")


class ImportFailed(SupportError):
    """The source could not be read at all (nothing was changed)."""


def add(location: str, options: Options, progress: Progress | None = None) -> tuple[str, Outcome]:
    """Recognise and import a new source (or sync it again if it is known)."""
    db = connect()
    with _fetcher(location, options) as fetcher:
        kind, where = recognise(location, options, fetcher)
        found = store.source(db, where)
        if found is None:
            with transaction(db):
                found = store.source(db, where) or store.add_source(
                    db, kind=kind, origin="user", location=where,
                    locales=",".join(options.locales) if kind == "zendesk" else "",
                )  # fmt: skip
        elif found.origin == "bundled" and not found.enabled:
            store.update_source(db, found.id, enabled=1, fingerprint=None)
            found = store.source(db, where) or found
        return where, _sync_one(db, found, options, progress, fetcher)


@contextmanager
def _fetcher(location: str, options: Options) -> Iterator[Fetcher | None]:
    """One HTTP client for recognising and importing a web source (robots.txt read once)."""
    if not location.startswith(("http://", "https://")):
        yield None
        return
    # Imported here: httpx only for a help center on the web.
    from supportcli.chat.helpcenter.fetch import Fetcher

    with Fetcher(delay=options.delay, timeout=options.timeout) as fetcher:
        yield fetcher


def sync(
    which: str | None, options: Options, progress: Progress | None = None
) -> list[tuple[str, Outcome]]:
    """Bring one source, or every one, up to date; [(location, outcome)]."""
    db = connect()
    chosen = [_find(db, which)] if which else [s for s in store.sources(db) if s.enabled]
    done = []
    for source in chosen:
        with _fetcher(source.location, options) as fetcher:
            done.append((source.location, _sync_one(db, source, options, progress, fetcher)))
    return done


def listing() -> list[dict[str, object]]:
    db = connect()
    folders.open_index(None)  # the bundled articles are a source too
    counts = store.counts(db)
    return [_as_json(s, counts.get(s.id, 0)) for s in store.sources(db)]


def show(which: str) -> dict[str, object]:
    db = connect()
    found = _find(db, which)
    articles = [
        {"slug": slug, "title": title, "topic": topic, "language": lang, "link": link}
        for slug, title, topic, lang, link in store.source_articles(db, found.id)
    ]
    return {**_as_json(found, len(articles)), "articles": articles}


def remove(which: str) -> tuple[str, int]:
    db = connect()
    found = _find(db, which)
    if found.origin == "setting":
        raise BadInput(
            _("{where} is chat.kb_dir; unset it with `support config set chat.kb_dir ''`").format(
                where=found.location
            )
        )
    if found.origin == "bundled":
        store.update_source(db, found.id, enabled=0)
        return found.location, store.clear_source(db, found.id)
    return found.location, store.remove_source(db, found.id)


def recognise(location: str, options: Options, fetcher: Fetcher | None) -> tuple[str, str]:
    """(kind, canonical location) of what the user named."""
    if location == folders.BUNDLED_LOCATION:
        return "bundled", location
    if not location.startswith(("http://", "https://")):
        folder = Path(location).expanduser()
        if not folder.is_dir():
            raise BadInput(
                _("SOURCE: {source} is neither a folder nor an http(s) URL").format(source=location)
            )
        return "folder", str(folder.absolute())
    # Imported here: the HTML libraries only for a help center on the web.
    from supportcli.chat.helpcenter import sitemap, zendesk

    assert fetcher is not None
    if not location.endswith((".xml", ".xml.gz")):
        base = zendesk.base_of(location)
        if zendesk.detect(fetcher, base, options.locales):
            return "zendesk", base
    found = sitemap.find(fetcher, location)
    if found is None:
        raise ImportFailed(
            _(
                "{source}: no Zendesk Help Center API and no sitemap found there "
                "(give the sitemap's URL, e.g. https://help.example.com/sitemap.xml)"
            ).format(source=location)
        )
    return "sitemap", found


def _sync_one(
    db: Database,
    source: store.Source,
    options: Options,
    progress: Progress | None,
    fetcher: Fetcher | None,
) -> Outcome:
    if source.kind in ("folder", "bundled"):
        folder = folders.BUNDLED if source.kind == "bundled" else Path(source.location)
        if not folder.is_dir():
            raise ImportFailed(_("{where} is not a folder any more").format(where=source.location))
        return folders.import_folder(db, source, folder)
    # Imported here: httpx and the HTML libraries only for a help center on the web.
    from supportcli.chat.helpcenter import sitemap, zendesk
    from supportcli.chat.helpcenter.fetch import FetchError

    assert fetcher is not None
    writer = Writer(db, source)
    try:
        if source.kind == "zendesk":
            locales = tuple(source.locales.split(",")) if source.locales else options.locales
            outcome = zendesk.import_all(fetcher, writer, source.location, locales, progress)
        else:
            outcome = sitemap.import_all(fetcher, writer, source.location, progress)
    except FetchError as exc:
        writer.flush()
        raise ImportFailed(str(exc)) from None
    outcome.requests = fetcher.requests
    store.update_source(db, source.id, synced_at=now(), problems="\n".join(outcome.problems))
    return outcome


def _find(db: Database, which: str) -> store.Source:
    folders.open_index(None)  # the bundled articles are a source from the first use on
    every = store.sources(db)
    for source in every:
        if which in (source.location, str(source.id)) or (
            source.kind != "bundled" and _same_place(which, source.location)
        ):
            return source
    raise NotFound(
        _("no help-center source {which}; see `support kb sources`").format(which=repr(which))
    )


def _same_place(which: str, location: str) -> bool:
    if which.startswith(("http://", "https://")):
        return which.rstrip("/") == location.rstrip("/")
    return str(Path(which).expanduser().absolute()) == location


def _as_json(source: store.Source, articles: int) -> dict[str, object]:
    return {
        "id": source.id,
        "kind": source.kind,
        "location": source.location,
        "origin": source.origin,
        "enabled": bool(source.enabled),
        "articles": articles,
        "added_at": source.added_at,
        "synced_at": source.synced_at,
        "problems": [p for p in source.problems.splitlines() if p],
    }
