"""Machine formats. Records are written one at a time as they are read, so memory stays
flat however large the history is."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

FORMATS = ("json", "jsonl", "csv", "markdown")
CSV_FIELDS = (
    "inquiry_id",
    "channel",
    "topic",
    "subject",
    "status",
    "inquiry_created_at",
    "message_role",
    "message_created_at",
    "message_body",
)


def dumps(record: dict[str, object], *, indent: int | None = None) -> str:
    return json.dumps(record, ensure_ascii=False, indent=indent, sort_keys=True)


def write(records: Iterable[dict[str, object]], fmt: str, out: TextIO) -> int:
    """Write every record in `fmt` to `out`; return how many were written."""
    return {"json": _json, "jsonl": _jsonl, "csv": _csv, "markdown": _markdown}[fmt](records, out)


def _json(records: Iterable[dict[str, object]], out: TextIO) -> int:
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(dumps(record))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _jsonl(records: Iterable[dict[str, object]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(dumps(record) + "\n")
        count += 1
    return count


def _csv(records: Iterable[dict[str, object]], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    count = 0
    for record in records:
        head = [
            record["id"],
            record["channel"],
            record["topic"],
            record["subject"],
            record["status"],
            record["created_at"],
        ]
        messages = record["messages"] or [{"role": "", "created_at": "", "body": ""}]
        for message in messages:  # type: ignore[attr-defined]
            writer.writerow([*head, message["role"], message["created_at"], message["body"]])
        count += 1
    return count


def _markdown(records: Iterable[dict[str, object]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(markdown_transcript(record) + "\n---\n\n")
        count += 1
    return count


def markdown_transcript(record: dict[str, object]) -> str:
    """One inquiry as Markdown: the format of `export --format markdown` and `/save`."""
    title = record["subject"] or f"{str(record['channel']).title()} {record['id']}"
    lines = [
        f"# {title}",
        "",
        f"- Inquiry: {record['id']} ({record['channel']}, {record['topic']})",
        f"- Status: {record['status']}",
        f"- Created: {record['created_at']}",
    ]
    envelope = record.get("email")
    if isinstance(envelope, dict):
        lines.append(f"- From: {envelope['from']}")
        lines.append(f"- To: {', '.join(envelope['to'])}")
        if envelope["cc"]:
            lines.append(f"- Cc: {', '.join(envelope['cc'])}")
    for message in record["messages"]:  # type: ignore[attr-defined]
        lines += ["", f"## {message['role']} · {message['created_at']}", "", message["body"]]
    attachments: list[dict[str, object]] = record["attachments"]  # type: ignore[assignment]
    if attachments:
        lines += ["", "## Attachments", ""]
        lines += [
            f"- {a['filename']} ({a['size']} bytes, sha256 {a['sha256']})" for a in attachments
        ]
    return "\n".join(lines) + "\n"
