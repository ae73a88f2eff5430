"""Help-center articles: Markdown files with a small front matter.

    ---
    title: 비밀번호 재설정하기
    topic: account
    language: ko
    link: https://help.example.com/ko/articles/account-password-reset
    keywords: 비밀번호, 재설정, 비번
    ---
    The first paragraph answers the most common question; `## ` sections follow.

The bundled ones live in `kb/articles/`; chat.kb_dir adds more (same format)."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from supportcli import system
from supportcli.i18n import tr

BUNDLED = Path(__file__).parent / "kb" / "articles"
REQUIRED = ("title", "topic", "language", "link")


class ArticleError(ValueError):
    pass


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    topic: str
    language: str
    link: str
    keywords: tuple[str, ...]
    summary: str
    sections: tuple[Section, ...] = field(default=())

    @property
    def body(self) -> str:
        """The article's Markdown again, its `## ` headings included (`kb show` printed
        each heading run into the next sentence without them)."""
        return "\n\n".join([self.summary, *(f"## {s.heading}\n\n{s.text}" for s in self.sections)])


# An article is a page of text; a larger file is not one (and /dev/zero would never end).
MAX_ARTICLE_BYTES = 1024 * 1024


def read_article(path: Path, folder: Path) -> str:
    """An article's text, read only from a regular file no larger than the limit that is
    in `folder` (a symlink only if it stays inside it). A FIFO would hang every chat, a
    link to /dev/zero would fill memory, a link out of the folder would read elsewhere."""
    if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
        raise ArticleError(tr("{path}: a symbolic link out of the folder; skipped", path=path))
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | system.O_BINARY)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ArticleError(tr("{path}: not a regular file; skipped", path=path))
        data = handle.read(MAX_ARTICLE_BYTES + 1)
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(
            tr("{path}: larger than {kb} KB; skipped", path=path, kb=MAX_ARTICLE_BYTES // 1024)
        )
    return data.decode("utf-8")


def parse(path: Path, folder: Path | None = None) -> Article:
    text = read_article(path, folder or path.parent).replace("\r\n", "\n")
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    if not match:
        raise ArticleError(tr("{path}: no front matter (--- ... ---) at the top", path=path))
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip()
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        raise ArticleError(
            tr("{path}: front matter lacks {fields}", path=path, fields=", ".join(missing))
        )
    summary, sections = _split(match.group(2).strip())
    return Article(
        slug=path.stem,
        title=meta["title"],
        topic=meta["topic"].lower(),
        language=meta["language"].lower(),
        link=meta["link"],
        keywords=tuple(k.strip() for k in meta.get("keywords", "").split(",") if k.strip()),
        summary=summary,
        sections=sections,
    )


def _split(body: str) -> tuple[str, tuple[Section, ...]]:
    parts = re.split(r"^## +(.+)$", body, flags=re.M)
    summary = parts[0].strip()
    sections = tuple(
        Section(heading.strip(), text.strip())
        for heading, text in zip(parts[1::2], parts[2::2], strict=True)
    )
    return summary, sections


def load(extra_dir: str | None = None) -> tuple[list[Article], list[str]]:
    """Bundled articles plus those in `extra_dir`; returns (articles, problems)."""
    articles, problems = [], []
    folders = [BUNDLED] + ([Path(extra_dir).expanduser()] if extra_dir else [])
    for folder in folders:
        if not folder.is_dir():
            problems.append(tr("chat.kb_dir: {path} is not a folder", path=folder))
            continue
        for path in sorted(folder.glob("*.md")):
            try:
                articles.append(parse(path, folder))
            except (ArticleError, OSError, UnicodeDecodeError) as exc:
                problems.append(str(exc))
    return articles, problems
