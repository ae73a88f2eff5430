"""Machine formats. Records are written one at a time as they are read, so memory stays
flat however large the history is."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import TextIO

from supportcli.records import Inquiry, Message
from supportcli.text import local_time

FORMATS = ("json", "jsonl", "csv", "markdown")
# One row per message: the inquiry's fields, then the message's (named after the records').
CSV_INQUIRY = ("id", "channel", "topic", "subject", "status", "created_at")
CSV_MESSAGE = ("role", "created_at", "body")
CSV_FIELDS = (
    *(name if name not in ("id", "created_at") else f"inquiry_{name}" for name in CSV_INQUIRY),
    *(f"message_{name}" for name in CSV_MESSAGE),
)
NO_MESSAGE = Message(0, "", "", "")


def dumps(record: Inquiry, *, indent: int | None = None) -> str:
    """The JSON record (CONTRACT.md): keys sorted, text as it is."""
    return _json_text(record.as_json(), indent)


def list_json(records: Iterable[Inquiry]) -> str:
    """`list --json` and `outbox --json`: the records without their messages."""
    return "[" + ",\n".join(_json_text(r.as_json(messages=False)) for r in records) + "]"


def _json_text(data: dict[str, object], indent: int | None = None) -> str:
    return json_text(data, indent=indent, sort_keys=True)


# json.dumps escapes C0 controls but, with ensure_ascii=False (kept so Korean stays
# readable), passes DEL, C1 controls (0x9b is a terminal's CSI), bidi overrides, invisible
# characters, line separators and lone surrogates through raw. Outside strings JSON holds
# only ASCII, so each of these is inside a string, where \uXXXX means the same character.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ud800-\udfff]"
)


def json_text(data: object, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON that is UTF-8 for people yet has every control character escaped, C1 included."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write(
    records: Iterable[Inquiry],
    fmt: str,
    out: TextIO,
    *,
    csv_raw: bool = False,
    excel: bool = False,
) -> int:
    """Write every record in `fmt` to `out`; return how many were written."""
    if fmt == "csv":
        if excel:
            # Excel reads a CSV file as the system's code page (CP949 on Korean Windows)
            # unless it starts with a UTF-8 byte-order mark. Rows already end in CR LF.
            out.write("\ufeff")
        return _csv(records, out, raw=csv_raw)
    return {"json": _json, "jsonl": _jsonl, "markdown": _markdown}[fmt](records, out)


def _json(records: Iterable[Inquiry], out: TextIO) -> int:
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(dumps(record))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _jsonl(records: Iterable[Inquiry], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(dumps(record) + "\n")
        count += 1
    return count


def _csv(records: Iterable[Inquiry], out: TextIO, *, raw: bool = False) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    cell = _as_is if raw else inert_cell
    count = 0
    for record in records:
        head = [cell(getattr(record, name)) for name in CSV_INQUIRY]
        for message in record.messages or (NO_MESSAGE,):
            writer.writerow([*head, *(cell(getattr(message, name)) for name in CSV_MESSAGE)])
        count += 1
    return count


# OWASP's CSV-injection guidance: a spreadsheet reads a cell starting with one of these as
# a formula (=HYPERLINK(...), +cmd|...), so such a cell gets a leading apostrophe, which
# spreadsheets show as text and do not display. `--csv-raw` writes cells as they are.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _as_is(value: object) -> object:
    return value


def _markdown(records: Iterable[Inquiry], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(markdown_transcript(record) + "\n---\n\n")
        count += 1
    return count


def markdown_transcript(record: Inquiry) -> str:
    """One inquiry as Markdown: the format of `export --format markdown` and `/save`. A
    transcript is for people, so its times are local, to the minute, with their offset
    (the machine formats keep the stored ISO 8601 times)."""
    title = record.subject or f"{record.channel.title()} {record.id}"
    lines = [
        f"# {title}",
        "",
        f"- Inquiry: {record.id} ({record.channel}, {record.topic})",
        f"- Status: {record.status}",
        f"- Created: {local_time(record.created_at, zone=True)}",
    ]
    envelope = record.email
    if envelope is not None:
        lines.append(f"- From: {envelope.sender}")
        lines.append(f"- To: {', '.join(envelope.to)}")
        if envelope.cc:
            lines.append(f"- Cc: {', '.join(envelope.cc)}")
    for message in record.messages:
        stamp = local_time(message.created_at, zone=True)
        lines += ["", f"## {message.role} · {stamp}", "", message.body]
    if record.attachments:
        lines += ["", "## Attachments", ""]
        lines += [f"- {a.filename} ({a.size} bytes, sha256 {a.sha256})" for a in record.attachments]
    return "\n".join(lines) + "\n"
