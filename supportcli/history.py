"""Browsing, exporting and deleting the history: what the list/show/export/delete commands
call. Each function opens the history, does one thing, and returns plain data."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from supportcli import paths
from supportcli.errors import BadInput, StorageError
from supportcli.records import Channel, EmailStatus, Event, Inquiry
from supportcli.render import export as exporter
from supportcli.store import maintenance, reads, writes
from supportcli.store.db import connect
from supportcli.store.reads import Filters


def list_inquiries(filters: Filters) -> list[Inquiry]:
    return reads.list_rows(connect(), filters)


def get(inquiry_id: int) -> Inquiry:
    return reads.get_record(connect(), inquiry_id)


def export(filters: Filters, fmt: str, output: Path | None) -> int:
    """Stream matching records to `output` (atomically, 0600) or standard output."""
    if fmt not in exporter.FORMATS:
        raise BadInput(f"--format: choose one of {', '.join(exporter.FORMATS)}")
    db = connect()
    records = reads.iter_records(db, filters.check())
    if output is None:
        return exporter.write(records, fmt, sys.stdout)
    return _export_to_file(records, fmt, output)


def _export_to_file(records, fmt: str, output: Path) -> int:  # type: ignore[no-untyped-def]
    output = output.expanduser()
    if output.is_dir():
        raise BadInput(f"--output: {output} is a folder")
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        fd = paths.create_private_file(tmp)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = exporter.write(records, fmt, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def delete(ids: Sequence[int]) -> int:
    """Delete inquiries, their messages and attachments; all or nothing."""
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
            f"inquiry {inquiry_id} is a chat: chats end with /end "
            f"(`support chat --resume {inquiry_id}`)"
        )
    if record.status == EmailStatus.CLOSED:
        raise BadInput(f"inquiry {inquiry_id} is already closed")
    return writes.change_status(db, inquiry_id, Event.EMAIL_CLOSE)


def reopen(inquiry_id: int) -> str:
    db = connect()
    record = reads.get_record(db, inquiry_id)
    if record.status != EmailStatus.CLOSED:
        raise BadInput(f"inquiry {inquiry_id} is {record.status}, not closed")
    return writes.change_status(db, inquiry_id, Event.EMAIL_REOPEN)
