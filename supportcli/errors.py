"""One error hierarchy; each error carries the exit code the contract gives it."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    QUEUED = 75
    CANCELLED = 130


class SupportError(Exception):
    """An error the user can act on; printed as one line, never as a traceback."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class BadInput(SupportError):
    """Bad or missing input: a flag, a setting, a value."""

    exit_code = ExitCode.BAD_INPUT


class NotFound(SupportError):
    """An inquiry (or other record) that does not exist."""


class NotOurDatabase(SupportError):
    """SUPPORT_DB points at something that is not a support history."""


class StorageError(SupportError):
    """The history cannot be read or written (disk full, read-only, corrupt)."""


class StorageFailure(StorageError):
    """The database itself refused or failed (disk full, locked, damaged, server gone):
    the store raises this in place of the driver's own exception. `reason` is the message
    without the history's name, for a message that names it otherwise."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.reason = reason


class Queued(SupportError):
    """Saved, but not sent yet: it waits in the outbox."""

    exit_code = ExitCode.QUEUED


class Cancelled(SupportError):
    """The user stopped; what they typed has been kept."""

    exit_code = ExitCode.CANCELLED
