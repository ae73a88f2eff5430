"""Private copies of attached files, so the history stays whole when originals change.

Copies live in the data folder under their sha256 (`attachments/ab/abcdef...`): the same
file attached twice is kept once, and a copy's name never carries the user's file name.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from supportcli import paths
from supportcli.errors import StorageError
from supportcli.i18n import N_, _
from supportcli.store.dialect import Database, is_postgres

_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    filename: str
    size: int
    sha256: str
    content_type: str
    # Where the copy came from, to keep it again if another process removed it meanwhile
    # (see `restore`); not part of what is stored.
    source: Path | bytes | None = field(default=None, compare=False, repr=False)


def stored_path(sha256: str) -> Path:
    return paths.attachments_dir() / sha256[:2] / sha256


def local_copy(db: Database, sha256: str) -> Path:
    """The stored copy of an attachment. On a shared PostgreSQL history the bytes live in
    the database, and a machine that has no copy yet fetches one into its store."""
    path = stored_path(sha256)
    if not path.exists() and is_postgres(db):
        row = db.execute("SELECT data FROM attachment_blob WHERE sha256 = ?", (sha256,)).fetchone()
        if row is not None and hashlib.sha256(row[0]).hexdigest() == sha256:
            keep_bytes(bytes(row[0]), sha256)
    return path


def keep_copy(source: Path, *, filename: str | None = None) -> StoredFile:
    """Copy `source` into the attachment store (0600) and describe it."""
    with source.open("rb") as handle:
        return keep_stream(handle, filename or source.name, origin=source)


def keep_bytes(data: bytes, filename: str) -> StoredFile:
    return keep_stream(io.BytesIO(data), filename, origin=data)


def keep_stream(source: BinaryIO, name: str, *, origin: Path | bytes | None = None) -> StoredFile:
    folder = paths.ensure_private_dir(paths.attachments_dir(), N_("attachment folder"))
    tmp = folder / f".incoming.{os.getpid()}.{os.urandom(4).hex()}"
    digest = hashlib.sha256()
    size = 0
    fd = paths.create_private_file(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        final = stored_path(sha)
        paths.ensure_private_dir(final.parent)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredFile(
        filename=name, size=size, sha256=sha, content_type=content_type, source=origin
    )


def restore(stored: StoredFile) -> None:
    """Inside the transaction that records an attachment: if the copy kept for it is gone
    (a delete in another process removed the last inquiry that held the same file, after
    this copy was made), keep it again from where it came from."""
    if stored.source is None or stored_path(stored.sha256).exists():
        return
    if isinstance(stored.source, bytes):
        again = keep_bytes(stored.source, stored.filename)
    else:
        again = keep_copy(stored.source, filename=stored.filename)
    if again.sha256 != stored.sha256:
        raise StorageError(
            _("{name} changed while it was being attached").format(name=stored.filename)
        )


def stored_bytes(stored: StoredFile) -> bytes:
    """The bytes of a kept copy, for a shared history's blob. A delete in another process
    may set the copy aside between `restore` and this read (it waits for our blob row only
    once we have inserted it, and the bytes are read first): then it is kept again."""
    for _attempt in range(3):
        try:
            return stored_path(stored.sha256).read_bytes()
        except FileNotFoundError:
            restore(stored)
    raise StorageError(
        _("the stored copy of {name} keeps disappearing").format(name=stored.filename)
    )


def set_aside(shas: Sequence[str], moved: list[tuple[Path, Path]]) -> None:
    """Inside a deleting transaction: move the copies no row refers to any more out of
    the store, so that a writer that follows the transaction finds them gone and keeps
    its own (`restore`). Each move is added to `moved` as it is made, for `put_back` on
    rollback (even if a later move failed) or `drop` after the commit."""
    for sha in shas:
        path = stored_path(sha)
        aside = path.with_name(f".deleting.{os.getpid()}.{os.urandom(4).hex()}.{sha}")
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            continue
        moved.append((path, aside))


def put_back(moved: Sequence[tuple[Path, Path]]) -> None:
    for path, aside in moved:
        if not path.exists():
            os.replace(aside, path)
        aside.unlink(missing_ok=True)


def drop(moved: Sequence[tuple[Path, Path]]) -> None:
    for _original, aside in moved:
        aside.unlink(missing_ok=True)
