"""The personal-data review at a terminal: each finding in a diff-like view of what will
be sent (`-` the line as written, `+` the line as it goes out masked), then the choice:
mask all (the default), keep some, keep all, or edit first."""

from __future__ import annotations

from collections.abc import Sequence

from rich.panel import Panel
from rich.text import Text

from supportcli import console, pii
from supportcli.i18n import _, ntr, tr
from supportcli.mail.privacy import Decision, Part, Spot, spots
from supportcli.text import visible_line
from supportcli.ui import prompts

CONTEXT = 36  # characters of the line shown on each side of a finding
LONGEST = 60  # a longer finding (a private key block) is shown cut


def show_findings(parts: Sequence[Part]) -> None:
    found = spots(parts)
    view = Text()
    for spot in found:
        if spot.number > 1:
            view.append("\n")
        view.append(f"{spot.number}. {pii.label(spot.finding.kind)}", style="bold")
        view.append(f" · {where(spot)}\n", style="dim")
        before, original, after = _excerpt(spot)
        view.append_text(_line("- ", before, original, after, "red"))
        view.append_text(_line("+ ", before, spot.finding.masked, after, "green"))
    title = ntr(
        "Personal data in what you are sending: {n} finding",
        "Personal data in what you are sending: {n} findings",
        len(found),
        n=len(found),
    )
    console.out().print(Panel(view, title=title, title_align="left", border_style="yellow"))


def where(spot: Spot) -> str:
    return tr("{part}, line {line}", part=visible_line(spot.part.name), line=spot.line)


def _excerpt(spot: Spot) -> tuple[str, str, str]:
    """The finding's line around it: what comes before, the finding, what follows."""
    text, finding = spot.part.text, spot.finding
    start = text.rfind("\n", 0, finding.start) + 1
    end = text.find("\n", finding.end)
    end = len(text) if end < 0 else end
    before = text[max(start, finding.start - CONTEXT) : finding.start]
    after = text[finding.end : min(end, finding.end + CONTEXT)]
    if finding.start - CONTEXT > start:
        before = "…" + before
    if finding.end + CONTEXT < end:
        after += "…"
    original = text[finding.start : finding.end]
    if len(original) > LONGEST:
        original = original[:LONGEST] + "…"
    return before, original, after


def _line(sign: str, before: str, middle: str, after: str, color: str) -> Text:
    line = Text(sign, style=f"bold {color}")
    line.append(visible_line(before), style=color)
    line.append(visible_line(middle), style=f"bold reverse {color}")
    line.append(visible_line(after) + "\n", style=color)
    return line


def ask(parts: Sequence[Part]) -> Decision | None:
    """Show the findings and ask; None when the customer wants to edit first."""
    show_findings(parts)
    choice = prompts.select(
        _("Send personal data?"),
        [
            ("mask", _("Mask all and send (recommended)")),
            ("pick", _("Keep some as written, mask the rest…")),
            ("keep", _("Send everything as written")),
            ("edit", _("Edit first")),
        ],
        default="mask",
    )
    if choice == "edit":
        return None
    if choice == "keep":
        return Decision.keep_all(parts)
    if choice == "mask":
        return Decision.mask_all(parts)
    kept = prompts.checkbox(
        _("Which to send as written? (the others are masked)"),
        [
            (
                str(s.number),
                f"{s.number}. {pii.label(s.finding.kind)} {s.finding.masked} ({where(s)})",
            )
            for s in spots(parts)
        ],
    )
    return Decision(tuple(parts), frozenset(int(n) for n in kept))


def told(parts: Sequence[Part], mode: str) -> Decision:
    """pii.mode (or --pii) decided without asking: the findings shown, and what was done."""
    show_findings(parts)
    if mode == "keep":
        console.out().print(Text(_("It goes as written (pii.mode keep)."), style="yellow"))
        return Decision.keep_all(parts)
    console.out().print(Text(_("It goes masked (pii.mode mask)."), style="green"))
    return Decision.mask_all(parts)
