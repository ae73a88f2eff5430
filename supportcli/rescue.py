"""When the history cannot take what the customer wrote (disk full, read-only, damaged),
keep it somewhere else and say where: a private file in the temporary folder, or, if even
that fails, the text itself on standard error."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from supportcli import paths
from supportcli.errors import StorageError, StorageFailure
from supportcli.i18n import N_, _

# What callers rescue, for the catalog (they pass the English words).
_WHAT = (N_("your inquiry"), N_("your draft"), N_("your message"))


def rescue(text: str, what: str, cause: BaseException) -> StorageError:
    """Save `text` outside the history; return the one-line error to raise."""
    reason = _reason(cause)
    for folder in (Path(tempfile.gettempdir()), Path.home()):
        path = folder / f"support-rescued-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
        try:
            fd = paths.create_private_file(path)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError:
            continue
        return StorageError(
            _("could not save {what} ({reason}); your text is kept in {path}").format(
                what=_(what), reason=reason, path=path
            )
        )
    print(
        _("--- {what}, not saved ---").format(what=_(what)), text, "---", sep="\n", file=sys.stderr
    )
    return StorageError(
        _("could not save {what} ({reason}); your text is printed above").format(
            what=_(what), reason=reason
        )
    )


def _reason(cause: BaseException) -> str:
    if isinstance(cause, StorageFailure):
        return cause.reason  # what the database said, without the history's name
    if isinstance(cause, StorageError):
        return cause.message
    if isinstance(cause, OSError):
        return cause.strerror or str(cause)
    return str(cause)
