"""Writing a file the user named (`export -o PATH`, the chat's `/save PATH`) without ever
replacing what is not ours to replace. Run as root, a plain rename over PATH would turn
/dev/null into a regular file; run by anyone, it would follow nothing but replace a FIFO
or a symlink somebody else put there. So what is at PATH decides:

- nothing: a new 0600 file, written under a temporary name in the same folder and then
  linked into place, so nobody sees half a file and nothing that appeared meanwhile is lost;
- a regular file: replaced the same way (atomically), only when the caller allows it
  (`--force`, or a yes at a terminal);
- a device or a FIFO (/dev/null, /dev/tty, a named pipe), or /dev/stdout and /dev/stderr:
  written into as a stream, never replaced;
- a symlink (other than those two), a folder or a socket: refused with a clear message.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from supportcli import paths, system
from supportcli.errors import BadInput, StorageError
from supportcli.i18n import _

# The names a shell user types for the command's own output; on Linux they are symlinks
# into /proc, so they are recognised by name and written through our own descriptors.
STANDARD_STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}


class Kind(StrEnum):
    NEW = "new"
    FILE = "file"
    STREAM = "stream"


class Exists(BadInput):
    """A regular file is at the path and replacing it was not allowed."""


def kind(path: Path) -> Kind:
    """What writing to `path` would do; BadInput for what is never written."""
    if str(path) in STANDARD_STREAMS:
        return Kind.STREAM
    try:
        info = path.lstat()
    except FileNotFoundError:
        return Kind.NEW
    except OSError as exc:
        raise StorageError(
            _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from exc
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        raise BadInput(
            _(
                "{path} is a symbolic link; refusing to write through it "
                "(name the file it points to, or remove the link)"
            ).format(path=path)
        )
    if stat.S_ISDIR(mode):
        raise BadInput(_("{path} is a folder; name a file inside it").format(path=path))
    if stat.S_ISREG(mode):
        return Kind.FILE
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISBLK(mode):
        return Kind.STREAM
    raise BadInput(
        _("{path} is neither a file, a device nor a FIFO; refusing to write to it").format(
            path=path
        )
    )


@contextlib.contextmanager
def open_text(path: Path, *, replace: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text stream to `path` by the rules above; committed when the block ends
    without an error, removed (for a file) when it does not."""
    path = path.expanduser()
    what = kind(path)
    if what == Kind.FILE and not replace:
        raise Exists(_("{path} exists; pass --force to replace it").format(path=path))
    try:
        if what == Kind.STREAM:
            with _stream(path) as out:
                yield out
        else:
            with _atomic(path, what) as out:
                yield out
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise StorageError(
            _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from exc


def write_text(path: Path, text: str, *, replace: bool = False) -> None:
    with open_text(path, replace=replace) as out:
        out.write(text)


@contextlib.contextmanager
def _stream(path: Path) -> Iterator[TextIO]:
    standard = STANDARD_STREAMS.get(str(path))
    if standard is not None:
        # Whatever Python has buffered for that stream goes first.
        (sys.stdout if standard == 1 else sys.stderr).flush()
        fd = os.dup(standard)
    else:
        # No O_CREAT and no O_TRUNC: a device or FIFO is written into, never made anew.
        fd = os.open(path, os.O_WRONLY | system.O_NOFOLLOW | system.O_BINARY)
        if stat.S_ISREG(os.fstat(fd).st_mode) or stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)  # it was swapped for a file since we looked: do not write into it
            raise BadInput(
                _("{path} changed while it was being opened; nothing was written").format(path=path)
            )
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        yield out


@contextlib.contextmanager
def _atomic(path: Path, what: Kind) -> Iterator[TextIO]:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = paths.create_private_file(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if what == Kind.NEW:
            _link_new(tmp, path)
        else:
            if kind(path) != Kind.FILE:  # swapped for a link or a device meanwhile
                raise BadInput(
                    _("{path} changed while it was being written; nothing was replaced").format(
                        path=path
                    )
                )
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _link_new(tmp: Path, path: Path) -> None:
    """Put `tmp` at `path` only if nothing is there yet (a rename would replace it)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise Exists(
            _("{path} appeared while it was being written; pass --force to replace it").format(
                path=path
            )
        ) from None
    except OSError as exc:
        # Folders that cannot hold hard links (FAT, some network shares): check and rename.
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if kind(path) != Kind.NEW:
            raise Exists(
                _("{path} appeared while it was being written").format(path=path)
            ) from None
        os.replace(tmp, path)
