"""How well the chat's `kb` agent answers customers: every question in
benchmarks/retrieval/questions.tsv goes through the real agent, the same `answer()` a chat
calls, and is scored against what a good answer is.

    python benchmarks/retrieval.py           # figures and the confusion list
    python benchmarks/retrieval.py --json    # the same for scripts

Printed: top-1 accuracy on answerable questions (the first cited article is the right one,
in the right language), abstention precision and recall (an unanswerable question gets the
honest "no article fits" and the /email offer), how many requests for a person got the
escalation offer and how many greetings a short reply, and every miss. Targets: top-1 >= 95%,
>= 90% of unanswerable questions abstain. The exit status is 0 unless something crashed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "retrieval" / "questions.tsv"
sys.path.insert(0, str(HERE.parent))

TOP1_TARGET, ABSTAIN_TARGET = 0.95, 0.90


@dataclass(frozen=True)
class Question:
    category: str  # answerable | none | human | greeting
    expected: str  # an article's slug, or "none"
    text: str


def questions(path: Path = QUESTIONS) -> list[Question]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [Question(r["category"], r["expected"], r["question"]) for r in rows]


def outcome(agent, question: str) -> str:  # type: ignore[no-untyped-def]
    """What the agent did: the slug of the article it cited first, `escalate` (the offer
    of a person), `abstain` (no article fits), or `smalltalk` (a short reply)."""
    from supportcli.chat import kb
    from supportcli.chat.agent import Turn

    answer = agent.answer([Turn("customer", question)], topic="other")
    text = "".join(answer.pieces)
    if answer.citations:
        return slug_of(answer.citations[0].link)
    if any(text == words.get("human") for words in kb.TEXT.values()):
        return "escalate"
    return "smalltalk" if answer.helpful else "abstain"


def slug_of(link: str) -> str:
    """`https://help.example.com/ko/articles/payment-refund` -> `payment-refund-ko`, the
    bundled article's file name; any other link stays as it is."""
    parts = link.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-2] == "articles":
        return f"{parts[-1]}-{parts[-3]}"
    return link


WANTED = {"none": "abstain", "human": "escalate", "greeting": "smalltalk"}


def evaluate(agent=None, path: Path = QUESTIONS) -> dict[str, object]:  # type: ignore[no-untyped-def]
    if agent is None:
        import os
        import tempfile

        from supportcli.chat.kb import KbAgent

        # The agent's articles live in a history (issue 18): a scratch one unless told.
        os.environ.setdefault("SUPPORT_HOME", tempfile.mkdtemp(prefix="retrieval-"))
        agent = KbAgent()
    asked = questions(path)
    started = time.perf_counter()
    got = [outcome(agent, q.text) for q in asked]
    seconds = time.perf_counter() - started
    by = {c: [(q, g) for q, g in zip(asked, got, strict=True) if q.category == c] for c in
          ("answerable", "none", "human", "greeting")}  # fmt: skip
    right = sum(g == q.expected for q, g in by["answerable"])
    declined = [(q, g) for q, g in zip(asked, got, strict=True) if g in ("abstain", "escalate")]
    should = [q for q in asked if q.category in ("none", "human")]
    misses = [
        {"category": q.category, "question": q.text, "expected": q.expected, "got": g}
        for q, g in zip(asked, got, strict=True)
        if g != (q.expected if q.category == "answerable" else WANTED[q.category])
    ]
    return {
        "questions": len(asked),
        "answerable": len(by["answerable"]),
        "top1": right / max(len(by["answerable"]), 1),
        "abstain_recall": sum(g == "abstain" for _, g in by["none"]) / max(len(by["none"]), 1),
        "abstain_precision": sum(q.category in ("none", "human") for q, _ in declined)
        / max(len(declined), 1),
        "declined_of_unanswerable": sum(
            g in ("abstain", "escalate") for q, g in zip(asked, got, strict=True) if q in should
        )
        / max(len(should), 1),  # fmt: skip
        "escalated": sum(g == "escalate" for _, g in by["human"]) / max(len(by["human"]), 1),
        "smalltalk": sum(g == "smalltalk" for _, g in by["greeting"]) / max(len(by["greeting"]), 1),
        "ms_per_question": round(seconds * 1000 / max(len(asked), 1), 2),
        "misses": misses,
    }


def report(result: dict[str, object]) -> str:
    def pct(key: str) -> str:
        return f"{float(result[key]) * 100:.1f}%"  # type: ignore[arg-type]

    lines = [
        f"questions: {result['questions']} ({result['answerable']} answerable)",
        f"top-1 on answerable:       {pct('top1')}  (target >= {TOP1_TARGET:.0%})",
        f"unanswerable that abstain: {pct('abstain_recall')}  (target >= {ABSTAIN_TARGET:.0%})",
        f"abstention precision:      {pct('abstain_precision')}",
        f"asks for a person -> offer: {pct('escalated')}",
        f"greetings -> short reply:  {pct('smalltalk')}",
        f"time per question:         {result['ms_per_question']} ms",
    ]
    misses = result["misses"]
    assert isinstance(misses, list)
    lines.append(f"\nconfusion list ({len(misses)}):")
    for m in misses:
        want = m["expected"] if m["category"] == "answerable" else WANTED[m["category"]]
        lines.append(f"  [{m['category']}] {m['question']!r}: want {want}, got {m['got']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args()
    result = evaluate(path=args.questions)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
