"""Email address checks shared by settings, the composer and the sender."""

from __future__ import annotations

import re

from supportcli.errors import BadInput
from supportcli.i18n import _
from supportcli.text import header_problem

NAME_MAX = 100  # characters of a display name: keeps every header line far below 998 octets
LOCAL_MAX = 64  # octets of a local part (RFC 5321 4.5.3.1.1)
_NAMED = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>]+)>\s*$')


def normalize_address(raw: str, *, field: str) -> str:
    """Validate one address (IDN and a display name allowed) and return it normalized."""
    problem = header_problem(raw)
    if problem:
        raise BadInput(f"{field}: {problem}")
    named = _NAMED.match(raw)
    if named:
        quoted, plain, addr = named.groups()
        name = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain.strip()
    else:
        name, addr = "", raw.strip()
    # Imported here: email_validator pulls in dnspython: only when an address is checked.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(addr.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise BadInput(
            _("{field}: {raw!r} is not a valid address ({reason})").format(
                field=field, raw=raw, reason=exc
            )
        ) from None
    if len(checked.local_part.encode()) > LOCAL_MAX:
        raise BadInput(
            _("{field}: the part before @ is longer than {max} octets").format(
                field=field, max=LOCAL_MAX
            )
        )
    if len(name) > NAME_MAX:
        raise BadInput(
            _("{field}: keep the name under {max} characters").format(field=field, max=NAME_MAX)
        )
    return _with_name(name, checked.normalized)


def _with_name(name: str, addr: str) -> str:
    if not name:
        return addr
    if re.search(r'[()<>@,;:\\".\[\]]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def bare_address(value: str) -> str:
    """The addr-spec of a normalized address (`Name <a@b>` -> `a@b`)."""
    # Imported here: email.utils (socket, random, calendar...) costs more than reading the
    # settings that import this module (`kb search` reads chat.kb_dir).
    from email.utils import parseaddr

    return parseaddr(value)[1] or value
