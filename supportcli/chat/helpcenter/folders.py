"""Folders of Markdown articles (today's format, `chat.articles`): the bundled ones,
`chat.kb_dir`, and folders added with `support kb add PATH`.

They are imported into the index rather than read on every chat. A folder's fingerprint
(its article files' names, sizes and modification times: one stat each) tells whether
anything changed since the last import; only then are its files read, and only changed
articles are rewritten. `open_index` brings the bundled articles and chat.kb_dir up to
date this way, and rebuilds every article's terms when the analyzer changed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from supportcli.chat.articles import BUNDLED, ArticleError, parse
from supportcli.chat.helpcenter.index import (
    StoredIndex,
    analyzer_version,
    as_article,
    doc_terms,
    sha256,
)
from supportcli.store import kb as store
from supportcli.store.db import connect, now, transaction
from supportcli.store.dialect import Database

if TYPE_CHECKING:
    from supportcli.chat.helpcenter.importer import Outcome
    from supportcli.config import Settings

BUNDLED_LOCATION = "bundled"


def fingerprint(folder: Path) -> str:
    digest = sha256()
    for path in sorted(folder.glob("*.md")):
        try:
            info = os.stat(path)
            digest.update(f"{path.name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        except OSError as exc:  # a dangling link: its problem is reported by the import
            digest.update(f"{path.name}\0{exc.errno}\n".encode())
    return digest.hexdigest()


def import_folder(db: Database, source: store.Source, folder: Path) -> Outcome:
    """Import the folder's articles; skipped files are the outcome's problems."""
    # Imported here: a chat or `kb search` whose folders did not change never writes (~30 ms).
    from supportcli.chat.helpcenter.importer import Versions, Writer

    mark = fingerprint(folder)
    writer = Writer(db, source)
    problems = []
    for path in sorted(folder.glob("*.md")):
        try:
            article = parse(path, folder)
        except (ArticleError, OSError, UnicodeDecodeError) as exc:
            problems.append(str(exc))
            continue
        writer.put(path.name, article, versions=Versions(updated_at=_mtime(path)))
    outcome = writer.finish(complete=True)
    outcome.problems = problems
    store.update_source(
        db, source.id, fingerprint=mark, problems="\n".join(problems), synced_at=now()
    )
    return outcome


def _mtime(path: Path) -> str | None:
    try:
        return str(os.stat(path).st_mtime_ns)
    except OSError:
        return None


def open_index(settings: Settings | None) -> tuple[StoredIndex, list[str]]:
    """The index, with the bundled articles and chat.kb_dir brought up to date (a stat
    per file when nothing changed), and the article files that had to be skipped.
    Without settings, chat.kb_dir's articles are left as they were last imported."""
    db = connect()
    if store.state(db).get("analyzer") != analyzer_version():
        rebuild_terms(db)
    problems = _refresh(db, BUNDLED_LOCATION, BUNDLED, kind="bundled", origin="bundled")
    if settings is not None:
        problems += _refresh_kb_dir(db, settings.text("chat.kb_dir"))
    return StoredIndex(), problems


def _refresh(db: Database, location: str, folder: Path, *, kind: str, origin: str) -> list[str]:
    found = store.source(db, location)
    if found is None:
        with transaction(db):
            store.lock(db)
            found = store.source(db, location) or store.add_source(
                db, kind=kind, origin=origin, location=location
            )
    if not found.enabled:
        return []
    if found.fingerprint == fingerprint(folder):
        return found.problems.splitlines()
    return import_folder(db, found, folder).problems


def _refresh_kb_dir(db: Database, setting: str) -> list[str]:
    folder = Path(setting).expanduser().absolute() if setting else None
    for old in store.sources(db):
        if old.origin == "setting" and (folder is None or old.location != str(folder)):
            store.remove_source(db, old.id)  # chat.kb_dir now names another folder, or none
    if folder is None:
        return []
    if not folder.is_dir():
        return [f"chat.kb_dir: {folder} is not a folder"]
    added = store.source(db, str(folder))
    if added is not None and added.origin == "user":
        return added.problems.splitlines()  # `kb add` imported it already; `kb sync` updates it
    return _refresh(db, str(folder), folder, kind="folder", origin="setting")


def rebuild_terms(db: Database) -> int:
    """Every article's terms again, from its stored text, with today's analyzer."""
    version = analyzer_version()
    count = 0
    with transaction(db):
        if store.state(db).get("analyzer") == version:
            return 0  # another process did it while this one waited
        rows = list(store.all_articles(db))
        for article_id, slug, topic, language, *text in rows:
            store.reindex(db, article_id, doc_terms(as_article(slug, topic, language, text)))
            count += 1
        store.set_state(db, "analyzer", version)
    return count
