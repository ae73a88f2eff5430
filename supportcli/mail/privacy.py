"""The personal-data guard on everything an email carries out (issue 19): its subject,
its body and its text attachments are scanned (supportcli.pii finds), the customer or
the `--pii` mode decides (mask, keep, refuse), and the decision is applied before the
inquiry is recorded, so that with `mask` the history holds exactly what was sent.

What was masked or kept is recorded with the message as kinds and counts
(`meta["pii"]`), never the values."""

from __future__ import annotations

import contextlib
import mimetypes
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from supportcli import pii
from supportcli.config import PII_CHOICES, Settings
from supportcli.errors import BadInput, SupportError
from supportcli.i18n import _, tr
from supportcli.mail.checks import CheckedFile

MODES = PII_CHOICES  # pii.mode's: `ask` asks at a terminal only, and refuses without one
FLAG_MODES = ("mask", "keep", "refuse")
# Text attachments larger than this are attached unscanned: the scan is ~50 ms per MB
# (issue 19), and a log file of hundreds of MB would stall the review.
TEXT_SCAN_MAX = 2 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    """One scanned part of an outgoing message that holds findings: `key` is `subject`,
    `body` or `file:N` (the Nth attachment); `name` is shown to people."""

    key: str
    name: str
    text: str
    findings: tuple[pii.Finding, ...]
    charset: str = "utf-8"  # an attachment's, to write its masked copy back in


@dataclass(frozen=True)
class Spot:
    """A finding numbered across the whole message (1, 2, ...), with its part."""

    number: int
    part: Part
    finding: pii.Finding

    @property
    def line(self) -> int:
        return self.part.text.count("\n", 0, self.finding.start) + 1


def spots(parts: Sequence[Part]) -> list[Spot]:
    found: list[Spot] = []
    for part in parts:
        for finding in part.findings:
            found.append(Spot(len(found) + 1, part, finding))
    return found


@dataclass(frozen=True)
class Decision:
    """What goes out: every finding masked except the `kept` spot numbers."""

    parts: tuple[Part, ...]
    kept: frozenset[int] = frozenset()

    @classmethod
    def mask_all(cls, parts: Sequence[Part]) -> Decision:
        return cls(tuple(parts))

    @classmethod
    def keep_all(cls, parts: Sequence[Part]) -> Decision:
        return cls(tuple(parts), frozenset(s.number for s in spots(parts)))

    def counts(self) -> dict[str, dict[str, int]]:
        """{"masked": {kind: n}, "kept": {kind: n}}: what the history records."""
        masked: Counter[str] = Counter()
        kept: Counter[str] = Counter()
        for spot in spots(self.parts):
            (kept if spot.number in self.kept else masked)[spot.finding.kind] += 1
        return {"masked": dict(sorted(masked.items())), "kept": dict(sorted(kept.items()))}

    def masked(self, part: Part) -> list[pii.Finding]:
        """The findings of `part` that are masked."""
        return [
            s.finding for s in spots(self.parts) if s.part is part and s.number not in self.kept
        ]


# --- scanning ----------------------------------------------------------------------------


def scan_parts(subject: str, body: str, files: Sequence[CheckedFile]) -> list[Part]:
    """The parts of an outgoing message that hold personal data, in the order shown."""
    parts = [
        _part("subject", _("Subject"), subject),
        _part("body", _("Body"), body),
    ]
    for n, file in enumerate(files):
        text, charset = attachment_text(file)
        if text is not None:
            parts.append(_part(f"file:{n}", file.name, text, charset))
    return [p for p in parts if p is not None]


def _part(key: str, name: str, text: str, charset: str = "utf-8") -> Part | None:
    findings = tuple(pii.scan(text)) if text else ()
    return Part(key, name, text, findings, charset) if findings else None


def attachment_text(file: CheckedFile) -> tuple[str | None, str]:
    """An attachment's text when it is one: a text/* type or bytes that decode as UTF-8
    without NUL, no larger than TEXT_SCAN_MAX. (None, "") for anything else."""
    if file.size > TEXT_SCAN_MAX:
        return None, ""
    try:
        data = file.path.read_bytes()
    except OSError:
        return None, ""  # checks.check_attachment said it was readable; sending will say
    if b"\x00" in data:
        return None, ""
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8").removeprefix("\ufeff"), "utf-8"
    if (mimetypes.guess_type(file.name)[0] or "").startswith("text/"):
        # Korean text files also come in the Windows code page (see mail.message).
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("cp949"), "cp949"
    return None, ""


# --- the mode ----------------------------------------------------------------------------


def mode_of(flag: str | None, settings: Settings) -> str:
    """`--pii`, else the setting pii.mode (default `ask`)."""
    if flag is None:
        return settings.text("pii.mode") or "ask"
    if flag not in FLAG_MODES:
        raise BadInput(
            tr(
                "--pii must be one of {choices}, not {value}",
                choices=", ".join(FLAG_MODES),
                value=repr(flag),
            )
        )
    return flag


def decide_without_asking(
    parts: Sequence[Part], mode: str, *, draft: int | None = None
) -> Decision:
    """A script's decision: mask, keep, or (refuse, and ask without a terminal) exit 2
    naming the kinds found, before anything is recorded (`draft`: the draft being sent)."""
    if mode == "mask":
        return Decision.mask_all(parts)
    if mode == "keep":
        return Decision.keep_all(parts)
    raise refusal(parts, draft=draft)


def refusal(parts: Sequence[Part], *, draft: int | None = None) -> BadInput:
    places = ", ".join(p.name for p in parts)
    if draft is not None:
        return BadInput(
            tr(
                "draft #{id}: personal data found in {places}: {kinds}; nothing was sent. "
                "Send it masked with --pii mask, as written with --pii keep, or review it "
                "with `support email --edit {id}`",
                id=draft,
                places=places,
                kinds=kinds_in(parts),
            )
        )
    return BadInput(
        tr(
            "personal data found in {places}: {kinds}; nothing was sent or recorded. "
            "Send it masked with --pii mask, or as written with --pii keep",
            places=places,
            kinds=kinds_in(parts),
        )
    )


def kinds_in(parts: Sequence[Part]) -> str:
    return kinds_line(Counter(s.finding.kind for s in spots(parts)))


def kinds_line(counts: dict[str, int] | Counter[str]) -> str:
    """ "resident registration number ×1, card number ×2", in the interface's language."""
    return ", ".join(f"{pii.label(kind)} ×{n}" for kind, n in sorted(counts.items()))


# --- applying a decision -----------------------------------------------------------------


@dataclass
class Applied:
    """A decision applied: the subject, body and files that go out, what the history
    records about it (`meta`), and private temporary copies to remove afterwards."""

    subject: str
    body: str
    files: list[CheckedFile]
    meta: dict[str, Any] | None
    masked_any: bool
    temporary: list[Path] = field(default_factory=list)


@contextlib.contextmanager
def applied(
    decision: Decision | None, subject: str, body: str, files: Sequence[CheckedFile]
) -> Iterator[Applied]:
    """The message as the decision makes it; masked attachments are written to a private
    temporary folder (0700, files 0600) that is removed when the block ends, since the
    history keeps its own copy of what was sent."""
    if decision is None:
        yield Applied(subject, body, list(files), None, masked_any=False)
        return
    # Only the parts with something masked change; a part kept whole goes as it is.
    current: dict[str, str | None] = {"subject": subject, "body": body}
    current |= {f"file:{n}": attachment_text(f)[0] for n, f in enumerate(files)}
    texts: dict[str, str] = {}
    for part in decision.parts:
        now = current.get(part.key)
        if now is not None and now != part.text:  # a bug: fail closed, nothing goes
            raise SupportError(
                tr(
                    "{part} changed after its personal-data review; nothing was sent",
                    part=part.name,
                )
            )
        if masked := decision.masked(part):
            texts[part.key] = pii.mask(part.text, masked)
    counts = decision.counts()
    with tempfile.TemporaryDirectory(prefix="support-masked-") as folder:
        out = Applied(
            subject=texts.get("subject", subject),
            body=texts.get("body", body),
            files=list(_masked_files(decision, files, texts, Path(folder))),
            meta={"pii": counts},
            masked_any=bool(counts["masked"]),
        )
        yield out


def _masked_files(
    decision: Decision, files: Sequence[CheckedFile], texts: dict[str, str], folder: Path
) -> Iterable[CheckedFile]:
    charsets = {p.key: p.charset for p in decision.parts}
    for n, file in enumerate(files):
        key = f"file:{n}"
        if key not in texts:
            yield file
            continue
        data = texts[key].encode(charsets[key], "replace")
        path = folder / f"{n}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield replace(file, path=path, size=len(data))


def mask_everywhere(value: Any) -> Any:
    """Every finding masked in every string of a JSON-like value: an escalation's facts
    part and the form's answers, which cannot follow a finding-by-finding choice."""
    if isinstance(value, str):
        return pii.mask(value, pii.scan(value))
    if isinstance(value, dict):
        return {k: mask_everywhere(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_everywhere(v) for v in value]
    return value


def facts_masked(meta: dict[str, object] | None) -> bool:
    """Whether an escalation's facts part goes masked: always, unless the customer kept
    everything the guard found. The part is rebuilt from the chat when it is sent, and
    the chat may hold what the body no longer shows (a transcript cut in $EDITOR), so
    masking it unasked is the safe side."""
    found = (meta or {}).get("pii")
    return not (isinstance(found, dict) and found.get("kept") and not found.get("masked"))
