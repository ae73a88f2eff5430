"""Which keyring may hold a password.

The `keyring` library picks the highest-priority backend that is installed. On a machine
without a desktop keyring that can be a backend that merely writes the password into a
file (keyrings.alt's PlaintextKeyring, base64 at best), or one that silently drops it
(keyring's null backend): installing a package's test extras, which pull in keyrings.alt,
was enough to make `support config password` write the password into a plain file while
saying "stored in the system keyring". So a backend is used only when it is a real
keyring: not from keyrings.alt (every backend there is a file, the registry or a
deprecated service; EncryptedKeyring also prompts for a master password on the terminal,
which a command that runs in scripts cannot do), not keyring's fail or null backend, and
of a priority of at least 1 (keyring's own rule of thumb: lower means "not recommended")."""

from __future__ import annotations

from typing import Any

from supportcli.i18n import _

# Modules whose backends never hold a password: they keep it in a plain or merely encoded
# file, or nowhere.
REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")
MIN_PRIORITY = 1.0


def refusal(backend: Any) -> str | None:
    """Why `backend` may not hold a password, or None when it may."""
    cls = type(backend)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if cls.__module__.startswith(REFUSED_MODULES):
        if cls.__module__.startswith("keyring.backends.fail"):
            return _("no system keyring is available here")
        if cls.__module__.startswith("keyring.backends.null"):
            return _("the keyring here ({name}) throws passwords away").format(name=name)
        return _(
            "the keyring here ({name}) keeps passwords in a file, not a system keyring"
        ).format(name=name)
    try:
        priority = float(cls.priority)
    except Exception:  # a backend's priority raises when it cannot work here
        return _("the keyring here ({name}) does not work on this machine").format(name=name)
    if priority < MIN_PRIORITY:
        return _(
            "the keyring here ({name}) is not a system keyring (priority {priority:g})"
        ).format(name=name, priority=priority)
    return None


def choose(backend: Any) -> tuple[Any, str | None]:
    """The backend to use and None, or None and why there is none. keyring's chainer
    (several backends tried in turn) is narrowed to its first acceptable member, so that a
    failure in the system keyring never falls through to a file."""
    members = getattr(type(backend), "backends", None)
    if isinstance(members, list) and type(backend).__name__ == "ChainerBackend":
        for member in members:
            if refusal(member) is None:
                return member, None
        return None, refusal(members[0]) if members else _("no system keyring is available here")
    why = refusal(backend)
    return (None, why) if why else (backend, None)


def label(backend: Any) -> str:
    """A backend's name for a person: "SecretService Keyring", "macOS Keyring"."""
    return str(getattr(backend, "name", type(backend).__name__))
