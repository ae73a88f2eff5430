"""Browsing, exporting and deleting the history: what the list/show/export/delete commands
call. Each function opens the history, does one thing, and returns plain data."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, TextIO, cast

from supportcli.errors import BadInput, StorageError
from supportcli.i18n import _
from supportcli.records import Channel, EmailStatus, Event, Inquiry
from supportcli.store import reads
from supportcli.store.db import connect
from supportcli.store.reads import Filters
from supportcli.text import visible


def list_inquiries(filters: Filters) -> list[Inquiry]:
    return reads.list_rows(connect(), filters)


def page(filters: Filters, after: tuple[str, int] | None, size: int) -> reads.Page:
    """One page of the list, after the previous page's cursor (the history browser)."""
    return reads.page_rows(connect(), filters, after, size)


def get(inquiry_id: int) -> Inquiry:
    return reads.get_record(connect(), inquiry_id)


def export_one(inquiry_id: int, output: Path) -> str:
    """One inquiry to a new 0600 file, in the format its name ends with (.jsonl, .csv,
    .md; JSON otherwise). Returns the format written."""
    # Imported here: as in export().
    from supportcli import outfile
    from supportcli.render import export as exporter

    suffix = output.suffix.lower().lstrip(".")
    fmt = {"md": "markdown", "markdown": "markdown", "jsonl": "jsonl", "csv": "csv"}.get(
        suffix, "json"
    )
    record = reads.get_record(connect(), inquiry_id)
    with outfile.open_text(output) as out:
        exporter.write([record], fmt, out)
    return fmt


def attachment_copy(sha256: str) -> Path:
    """Where the private copy of an attachment is kept (fetched first from a shared
    history that has it only in the database)."""
    # Imported here: only the browser and `show --raw` read kept files.
    from supportcli.store import attachments

    return attachments.local_copy(connect(), sha256)


def export(
    filters: Filters,
    fmt: str,
    output: Path | None,
    *,
    replace: bool = False,
    csv_raw: bool = False,
    excel: bool = False,
) -> int:
    """Stream matching records to `output` (outfile's rules: a new 0600 file, a device or
    FIFO, an existing file only when `replace`) or to standard output."""
    # Imported here: `list` and `show` load none of the file writing and formats.
    from supportcli import outfile
    from supportcli.render import export as exporter

    if fmt not in exporter.FORMATS:
        raise BadInput(
            _("--format: choose one of {choices}").format(choices=", ".join(exporter.FORMATS))
        )
    db = connect()
    records = reads.iter_records(db, filters.check())
    if output is None:
        return exporter.write(
            records, fmt, _shown_if_terminal(sys.stdout), csv_raw=csv_raw, excel=excel
        )
    with outfile.open_text(output, replace=replace) as out:
        return exporter.write(records, fmt, _shown_if_terminal(out), csv_raw=csv_raw, excel=excel)


class _Visible:
    """A text stream to a terminal that shows stored text instead of obeying it (an
    escape sequence could write the clipboard or clear the screen); the CR LF that ends a
    CSV row stays a line end. Files and pipes get the bytes as stored."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, chunk: str) -> int:
        return self.out.write("\r\n".join(visible(part) for part in chunk.split("\r\n")))


def _shown_if_terminal(out: TextIO) -> TextIO:
    return cast(TextIO, _Visible(out)) if out.isatty() else out


def write_raw(inquiry_id: int, number: int, out: BinaryIO) -> int:
    """Write the original bytes of an inquiry's `number`th message (as `show` numbers
    them) to `out`: exactly as they arrived for a file or a pipe; at a terminal as text
    that is shown and never obeyed (issue 15's `visible`). Returns the size."""
    # Imported here: only `show --raw` reads kept originals (shutil imports bz2 and lzma).
    import shutil

    # Imported here: as above.
    from supportcli.store import answers as stored_answers
    from supportcli.store import attachments

    db = connect()
    reads.get_record(db, inquiry_id)  # NotFound, with its one line
    found = stored_answers.raw_of(db, inquiry_id, number)
    if found is None:
        raise BadInput(
            _(
                "message {number} of inquiry {id} has no original: only answers "
                "filed by `support sync` keep one"
            ).format(number=number, id=inquiry_id)
        )
    sha256, size = found
    path = attachments.local_copy(db, sha256)
    try:
        with path.open("rb") as source:
            if out.isatty():
                text = source.read().decode("utf-8", "replace").replace("\r\n", "\n")
                out.write(visible(text).encode("utf-8"))
            else:
                shutil.copyfileobj(source, out)
    except FileNotFoundError:
        raise StorageError(
            _("the kept original of message {number} is missing: {path}").format(
                number=number, path=path
            )
        ) from None
    out.flush()
    return size


def delete(ids: Sequence[int]) -> int:
    """Delete inquiries, their messages and attachments; all or nothing."""
    # Imported here, as in close and reopen: `list` and `show` never write.
    from supportcli.store import maintenance, writes

    db = connect()
    writes.delete_inquiries(db, list(dict.fromkeys(ids)))
    maintenance.forget_deleted_text(db)
    return len(set(ids))


def close(inquiry_id: int) -> str:
    """Close an email inquiry; remember its status so that `reopen` can return to it."""
    db = connect()
    record = reads.get_record(db, inquiry_id)
    if record.channel != Channel.EMAIL:
        raise BadInput(
            _("inquiry {id} is a chat: chats end with /end (`support chat --resume {id}`)").format(
                id=inquiry_id
            )
        )
    if record.status == EmailStatus.CLOSED:
        raise BadInput(_("inquiry {id} is already closed").format(id=inquiry_id))
    from supportcli.store import writes  # Imported here: see delete()

    return writes.change_status(db, inquiry_id, Event.EMAIL_CLOSE)


def reopen(inquiry_id: int) -> str:
    db = connect()
    record = reads.get_record(db, inquiry_id)
    if record.status != EmailStatus.CLOSED:
        raise BadInput(
            _("inquiry {id} is {status}, not closed").format(id=inquiry_id, status=record.status)
        )
    from supportcli.store import writes  # Imported here: see delete()

    return writes.change_status(db, inquiry_id, Event.EMAIL_REOPEN)
