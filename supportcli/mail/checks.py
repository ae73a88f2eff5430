"""Validation before anything is recorded or sent. Every refusal names its field."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from supportcli.addresses import normalize_address
from supportcli.errors import BadInput
from supportcli.i18n import _
from supportcli.text import header_problem

SUBJECT_MAX = 250
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def check_header_text(value: str, *, field: str) -> str:
    """Text bound for a header: one clean line (see supportcli.text.header_problem)."""
    problem = header_problem(value)
    if problem:
        raise BadInput(f"{field}: {problem}")
    return value


def check_subject(subject: str, *, field: str = "--subject") -> str:
    subject = check_header_text(subject, field=field).strip()
    if not subject:
        raise BadInput(_("{field}: the subject is empty").format(field=field))
    if len(subject) > SUBJECT_MAX:
        raise BadInput(
            _("{field}: keep the subject under {max} characters").format(
                field=field, max=SUBJECT_MAX
            )
        )
    return subject


def check_body(body: str, *, field: str = "--body") -> str:
    if _SURROGATES.search(body):
        raise BadInput(_("{field}: the text is not valid UTF-8").format(field=field))
    if "\x00" in body:
        raise BadInput(_("{field}: the text contains a NUL character").format(field=field))
    if not body.strip():
        raise BadInput(_("{field}: the message is empty").format(field=field))
    return body


def check_addresses(values: list[str], *, field: str) -> list[str]:
    return [normalize_address(value, field=field) for value in values]


def encoded_size(size: int) -> int:
    """Bytes an attachment takes in the message: base64, 76-character lines with CRLF."""
    encoded = (size + 2) // 3 * 4
    return encoded + (encoded + 75) // 76 * 2


@dataclass(frozen=True)
class CheckedFile:
    path: Path
    name: str
    size: int


def check_attachment(raw: str, *, field: str = "--attach") -> CheckedFile:
    """A regular, readable, non-empty file (symlinks to one are fine)."""
    path = Path(raw).expanduser()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise BadInput(_("{field}: {path} does not exist").format(field=field, path=raw)) from None
    except OSError as exc:
        raise BadInput(f"{field}: {raw}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise BadInput(_("{field}: {path} is a folder, not a file").format(field=field, path=raw))
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(_("{field}: {path} is not a regular file").format(field=field, path=raw))
    if info.st_size == 0:
        raise BadInput(_("{field}: {path} is empty").format(field=field, path=raw))
    if not os.access(path, os.R_OK):
        raise BadInput(
            _("{field}: {path} cannot be read (permission denied)").format(field=field, path=raw)
        )
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise BadInput(f"{field}: {raw}: {exc.strerror}") from None
    # A Linux file name need not be UTF-8: attach it under a readable form of its name.
    name = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return CheckedFile(path=path, name=name, size=info.st_size)


def check_total_size(files: list[CheckedFile], limit_mb: float) -> None:
    total = sum(encoded_size(f.size) for f in files)
    if total > limit_mb * 1024 * 1024:
        raise BadInput(
            _(
                "--attach: the attachments take {size:.2f} MB once encoded; "
                "the limit is {limit:g} MB (email.max_attachment_mb)"
            ).format(size=total / 1048576, limit=limit_mb)
        )
