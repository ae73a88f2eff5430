"""The layers, enforced: `cli` → use cases → `store`, with the terminal at the edge.

Every import counts, at module level and inside functions alike (an import inside a
function that would close a loop only hides it). Read with `ast`, in-process."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "supportcli"
USE_CASES = ("chat", "mail", "account", "history")
TERMINAL = ("rich", "questionary", "prompt_toolkit", "typer")
EDGE = (
    "supportcli.cli",
    "supportcli.ui",
    "supportcli.console",
    "supportcli.render.human",
    "supportcli.browser",
)
# Third-party modules each allowed in one place only.
ONLY_IN = {
    "questionary": ("ui/prompts.py",),
    "prompt_toolkit": ("ui/",),
    "yagmail": ("mail/sender.py",),
    "psycopg": ("store/postgres.py",),
    "rich": ("render/", "ui/", "console.py", "browser/"),
    # The history browser only: `support history` at a terminal, nothing else.
    "textual": ("browser/",),
    "typer": ("cli/",),
    "sqlite3": ("store/",),
    # Mail discovery and importing help centers only: never on the `--help` or `list` path.
    # ... and the live counsellor's Matrix client.
    "httpx": ("mail/discover.py", "chat/helpcenter/fetch.py", "chat/matrix/client.py"),
    "dns": ("mail/discover.py",),
    "defusedxml": ("mail/discover.py", "chat/helpcenter/sitemap.py"),
    "selectolax": ("chat/helpcenter/extract.py",),
    "markdownify": ("chat/helpcenter/extract.py",),
}


def _imports() -> dict[str, list[tuple[str, int]]]:
    """module file (relative to supportcli/) -> every module it imports, with the line."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found[rel] += [(alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found[rel].append((node.module, node.lineno))
                found[rel] += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
    return found


IMPORTS = _imports()


def _unit(module: str) -> str | None:
    """The part of the tree a module belongs to: a subpackage, or a top-level module."""
    parts = module.split(".")
    if parts[0] != "supportcli" or len(parts) < 2:
        return None
    if (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file():
        return parts[1]
    return None


def _unit_of_file(rel: str) -> str:
    return rel.split("/")[0].removesuffix(".py")


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for rel, imported in IMPORTS.items():
        for module, _ in imported:
            target = _unit(module)
            if target and target != _unit_of_file(rel):
                edges[_unit_of_file(rel)].add(target)
    return edges


def _violations(files: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{rel}:{line} imports {module}"
        for rel, imported in IMPORTS.items()
        if rel.startswith(files)
        for module, line in imported
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]


def test_no_cycle_between_parts_of_the_tree() -> None:
    edges = _graph()
    cycles = []

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif len(path) < 12:
                walk(nxt, [*path, nxt])

    for start in sorted(edges):
        walk(start, [start])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_use_cases_never_touch_the_terminal() -> None:
    files = tuple(f"{u}/" for u in USE_CASES) + tuple(f"{u}.py" for u in USE_CASES)
    assert not _violations(files, EDGE + TERMINAL)


def test_the_store_knows_nothing_above_it() -> None:
    above = tuple(f"supportcli.{u}" for u in (*USE_CASES, "cli", "ui", "console", "render"))
    assert not _violations(("store/",), above + TERMINAL + ("yagmail",))


def test_mail_and_chat_do_not_import_each_other() -> None:
    assert not _violations(("mail/",), ("supportcli.chat",))
    assert not _violations(("chat/",), ("supportcli.mail",))


@pytest.mark.parametrize("library", sorted(ONLY_IN))
def test_each_library_is_imported_in_its_one_place(library: str) -> None:
    allowed = ONLY_IN[library]
    others = tuple(rel for rel in IMPORTS if not rel.startswith(allowed))
    assert not _violations(others, (library,))


def test_the_check_sees_imports_inside_functions() -> None:
    """The rules above would be blind without this: an import in a function body counts."""
    cli_targets = {m for m, _ in IMPORTS["cli/history.py"]}
    assert "supportcli.history" in cli_targets  # imported inside each command's body


def test_every_import_inside_a_function_says_why() -> None:
    """An import inside a function is a loan for start-up time, never a hidden loop: each
    one outside `cli/` (whose package docstring gives the reason for all its command
    bodies) carries a comment on the line above, or follows another import that does."""
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("cli/"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for func in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                above = node.lineno - 2
                while above >= 0 and lines[above].strip().startswith(("import ", "from ")):
                    above -= 1  # a block of imports shares its comment
                if "#" not in lines[node.lineno - 1] and not lines[above].strip().startswith("#"):
                    unexplained.append(f"{rel}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not unexplained, "imports inside functions without a reason:\n" + "\n".join(unexplained)
