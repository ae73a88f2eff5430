"""Email address checks shared by settings, the composer and the sender."""

from __future__ import annotations

import re
from email.utils import parseaddr

from supportcli.errors import BadInput

# Line breaks of every kind: a header with one of these in it could grow a second header.
_FORBIDDEN = re.compile(r"[\r\n\x00\x0b\x0c\x85\u2028\u2029]")
_NAMED = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>]+)>\s*$')


def normalize_address(raw: str, *, field: str) -> str:
    """Validate one address (IDN and a display name allowed) and return it normalized."""
    if _FORBIDDEN.search(raw):
        raise BadInput(f"{field}: line breaks are not allowed in an address")
    if "=?" in raw:
        raise BadInput(f"{field}: encoded words are not allowed in an address")
    named = _NAMED.match(raw)
    if named:
        quoted, plain, addr = named.groups()
        name = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain.strip()
    else:
        name, addr = "", raw.strip()
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(addr.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise BadInput(f"{field}: {raw!r} is not a valid address ({exc})") from None
    return _with_name(name, checked.normalized)


def _with_name(name: str, addr: str) -> str:
    if not name:
        return addr
    if re.search(r'[()<>@,;:\\".\[\]]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def bare_address(value: str) -> str:
    """The addr-spec of a normalized address (`Name <a@b>` -> `a@b`)."""
    return parseaddr(value)[1] or value
