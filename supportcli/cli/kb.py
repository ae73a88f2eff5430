"""kb add / sync / sources / remove / topics: the help centers the chat answers from.
(`kb search` and `kb show` live with chat, in cli/chat.py.)"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from supportcli.cli import examples
from supportcli.i18n import _
from supportcli.text import visible

if TYPE_CHECKING:
    from supportcli.chat.helpcenter.importer import Outcome
    from supportcli.chat.helpcenter.sources import Options

DELAY = typer.Option(
    None, "--delay", min=0.0, help=_("Seconds between two requests to the site (kb.delay, 1).")
)
TIMEOUT = typer.Option(
    None, "--timeout", min=0.1, help=_("Seconds to wait for a page (kb.timeout, 20).")
)
JSON = typer.Option(False, "--json", help=_("As JSON."))

sources_app = typer.Typer(
    help=_("List, show and remove the help centers the chat answers from."),
    invoke_without_command=True,
    epilog=examples(
        "support kb sources", "support kb sources show 2", "support kb sources remove 2"
    ),
)
topics_app = typer.Typer(
    help=_("Which of our topics each help-center category is about (editable)."),
    invoke_without_command=True,
    epilog=examples("support kb topics", "support kb topics set 결제 payment"),
)


def kb_add(
    source: str = typer.Argument(
        ..., help=_("A help center's URL (Zendesk Guide), a sitemap's URL, or a folder.")
    ),
    locale: list[str] = typer.Option(
        [], "--locale", help=_("Zendesk locales to import (default ko and en-us).")
    ),
    delay: float | None = DELAY,
    timeout: float | None = TIMEOUT,
    as_json: bool = JSON,
) -> None:
    from supportcli.chat.helpcenter import sources
    from supportcli.ui.progress import import_progress

    options = _options(delay, timeout, tuple(locale))
    with import_progress(_("Importing")) as progress:
        where, outcome = sources.add(source, options, progress)
    _report([(where, outcome)], as_json)


def kb_sync(
    source: str | None = typer.Argument(None, help=_("One source (default: all of them).")),
    delay: float | None = DELAY,
    timeout: float | None = TIMEOUT,
    as_json: bool = JSON,
) -> None:
    from supportcli.chat.helpcenter import sources
    from supportcli.ui.progress import import_progress

    with import_progress(_("Syncing")) as progress:
        done = sources.sync(source, _options(delay, timeout, ()), progress)
    _report(done, as_json)


@sources_app.callback()
def sources_list(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List the sources: bundled articles, chat.kb_dir and imported help centers."""
    if ctx.invoked_subcommand is not None:
        return
    from supportcli.chat.helpcenter import sources

    found = sources.listing()
    if as_json:
        _json(found)
        return
    for item in found:
        state = "" if item["enabled"] else _(" (removed)")
        synced = item["synced_at"] or "-"
        line = f"{item['id']:>3}  {item['kind']:<8} {item['articles']:>6}  {synced}  "
        _out(f"{line}{item['location']}{state}")


@sources_app.command(
    "show", help=_("One source and its articles."), epilog=examples("support kb sources show 2")
)
def sources_show(
    source: str = typer.Argument(..., help=_("The source's id or location.")),
    as_json: bool = JSON,
) -> None:
    from supportcli.chat.helpcenter import sources

    found = sources.show(source)
    if as_json:
        _json(found)
        return
    _out(f"#{found['id']} {found['kind']} {found['location']}")
    for item in found["articles"]:  # type: ignore[attr-defined]
        line = f"  {item['language']}  {item['topic']:<8} {item['title']}  {item['link']}"
        _out(line)
    for problem in found["problems"]:  # type: ignore[attr-defined]
        _say(_("support: skipped: {problem}").format(problem=problem))


@sources_app.command(
    "remove",
    help=_("Remove a source and its articles (same as `support kb remove`)."),
    epilog=examples("support kb sources remove 2"),
)
def sources_remove(
    source: str = typer.Argument(..., help=_("The source's id or location.")),
) -> None:
    kb_remove(source)


def kb_remove(source: str = typer.Argument(..., help=_("The source's id or location."))) -> None:
    from supportcli.chat.helpcenter import sources
    from supportcli.i18n import ngettext

    where, count = sources.remove(source)
    message = ngettext(
        "Removed {where} ({count} article).", "Removed {where} ({count} articles).", count
    )
    _out(message.format(where=where, count=count))


@topics_app.callback()
def topics_list(ctx: typer.Context, as_json: bool = JSON) -> None:
    """The categories of imported help centers and the topic each one maps to."""
    if ctx.invoked_subcommand is not None:
        return
    from supportcli.chat.helpcenter import topicmap
    from supportcli.store.db import connect

    found = topicmap.listing(connect())
    if as_json:
        _json(found)
        return
    if not found:
        _say(_("No categories yet: import a help center with `support kb add`."))
    for item in found:
        how = "" if item["chosen"] == "user" else _(" (guessed)")
        line = f"{item['category']} -> {item['topic']}{how}  [{item['articles']}]  {item['source']}"
        _out(line)


@topics_app.command(
    "set",
    help=_("Map a help-center category to one of our topics; its articles follow at once."),
    epilog=examples("support kb topics set 'Billing' payment"),
)
def topics_set(
    category: str = typer.Argument(..., help=_("The category, as `support kb topics` lists it.")),
    topic: str = typer.Argument(..., help=_("account, payment, usage or other.")),
    source: str | None = typer.Option(None, "--source", help=_("Only this source's category.")),
) -> None:
    from supportcli.chat.helpcenter import topicmap
    from supportcli.store.db import connect

    moved = topicmap.choose(connect(), category, topic, source=source)
    message = _("{category} -> {topic} ({count} articles).")
    _out(message.format(category=category, topic=topic.lower(), count=moved))


def _options(delay: float | None, timeout: float | None, locales: tuple[str, ...]) -> Options:
    from supportcli.chat.helpcenter.sources import Options
    from supportcli.config import Settings

    settings = Settings.load()
    chosen_delay = delay if delay is not None else settings.get("kb.delay")
    chosen_timeout = timeout if timeout is not None else settings.get("kb.timeout")
    extra = {"locales": locales} if locales else {}
    return Options(delay=float(chosen_delay or 0), timeout=float(chosen_timeout or 20), **extra)  # type: ignore[arg-type]


def _report(done: list[tuple[str, Outcome]], as_json: bool) -> None:
    if as_json:
        _json([{"source": where, **outcome.as_json()} for where, outcome in done])
        return
    for where, outcome in done:
        for problem in outcome.problems:
            _say(_("support: skipped: {problem}").format(problem=problem))
        message = _(
            "{where}: {added} added, {updated} updated, {unchanged} unchanged, {removed} removed."
        )
        _out(message.format(where=where, **outcome.as_json()))


def _out(line: str) -> None:
    typer.echo(visible(line))


def _json(data: object) -> None:
    from supportcli.render.export import json_text

    typer.echo(json_text(data, indent=2))


def _say(line: str) -> None:
    # Page addresses and server replies reach this line: shown, never obeyed.
    print(visible(line), file=sys.stderr, flush=True)


def register(kb_app: typer.Typer) -> None:
    kb_app.command(
        "add",
        help=_("Import a help center so the chat answers from its articles, with their links."),
        epilog=examples(
            "support kb add https://help.example.com",
            "support kb add https://help.example.com/sitemap.xml",
            "support kb add ./articles",
        ),
    )(kb_add)
    kb_app.command(
        "sync",
        help=_("Bring imported help centers up to date: only what changed is fetched."),
        epilog=examples("support kb sync", "support kb sync 2"),
    )(kb_sync)
    kb_app.add_typer(sources_app, name="sources")
    kb_app.command(
        "remove",
        help=_("Remove a help-center source and its articles from the chat's index."),
        epilog=examples("support kb remove https://help.example.com"),
    )(kb_remove)
    kb_app.add_typer(topics_app, name="topics")
