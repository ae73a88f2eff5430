"""chat, and kb search / kb show."""

from __future__ import annotations

import typer

from supportcli import console

kb_app = typer.Typer(
    help="Search the help-center articles the chat agent answers from.",
    no_args_is_help=True,
    epilog="Example: support kb search 환불",
)


def chat(
    topic: str | None = typer.Option(None, "--topic", help="account, payment, usage or other."),
    agent: str | None = typer.Option(None, "--agent", help="Which agent answers (default kb)."),
    resume: int | None = typer.Option(
        None, "--resume", metavar="ID", help="Continue an earlier chat."
    ),
) -> None:
    """Chat with the customer center; every message is kept in your history.

    In a pipe, each input line is one message and each answer is printed."""
    from supportcli.chat.runner import run_chat

    code = run_chat(topic=topic, agent=agent, resume=resume, interactive=console.interactive())
    if code:
        raise typer.Exit(code)


@kb_app.command(
    "search",
    epilog="Examples: support kb search 비밀번호 재설정 · support kb search 'charged twice' --json",
)
def kb_search(
    text: list[str] = typer.Argument(..., help="What you are looking for."),
    limit: int = typer.Option(5, "-n", "--limit", help="How many articles."),
    as_json: bool = typer.Option(False, "--json", help="As JSON."),
) -> None:
    """Look it up before you ask: the best help articles for TEXT."""
    from supportcli.chat.runner import kb_search as search

    hits = search(" ".join(text))[:limit]
    if as_json:
        import json

        typer.echo(
            json.dumps(
                [
                    {
                        "slug": h.article.slug,
                        "title": h.article.title,
                        "topic": h.article.topic,
                        "language": h.article.language,
                        "link": h.article.link,
                        "score": round(h.score, 2),
                    }
                    for h in hits
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not hits:
        console.err().print("No article matches. Try other words, or ask in `support chat`.")
        raise typer.Exit(1)
    from rich.text import Text

    for hit in hits:
        console.out().print(
            Text.assemble(
                (hit.article.title, "bold"), (f"  {hit.article.topic} · {hit.article.slug}", "dim")
            )
        )
        console.out().print(Text(f"  {hit.article.link}", style="blue"))


@kb_app.command("show", epilog="Example: support kb show payment-refund-ko")
def kb_show(slug: str = typer.Argument(..., help="The article's name (from kb search).")) -> None:
    """Print one help article."""
    from rich.markdown import Markdown

    from supportcli.chat.runner import kb_article

    article = kb_article(slug)
    console.out().print(
        Markdown(f"# {article.title}\n\n{article.body}\n\n{article.link}", hyperlinks=False)
    )


def register(app: typer.Typer) -> None:
    app.command(
        "chat",
        epilog="Examples: support chat --topic payment · "
        "printf '환불하고 싶어요\\n' | support chat",
    )(chat)
    app.add_typer(kb_app, name="kb")
