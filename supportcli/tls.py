"""The one way `support` trusts a server: the system's CAs plus an optional extra bundle
(a self-hosted server, the tests' own CA); hostname and certificate are always checked.
SMTP, IMAP, mail discovery and the Matrix client all connect through it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from supportcli.errors import BadInput
from supportcli.i18n import _

if TYPE_CHECKING:
    import ssl


def tls_context(ca_file: str | None, *, setting: str) -> ssl.SSLContext:
    """System CAs plus `ca_file`; a file that cannot be loaded is bad input naming `setting`."""
    # Imported here: ssl (~10 ms) only when a connection is made.
    import ssl

    context = ssl.create_default_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise BadInput(
                _("{setting}: cannot load {path}: {reason}").format(
                    setting=setting, path=ca_file, reason=exc
                )
            ) from None
    return context
