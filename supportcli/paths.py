"""Where config, history and attachments live: SUPPORT_HOME first, then platformdirs.

Every folder we create is 0700 and every file 0600 from its first byte, because the
history holds what customers wrote to a company, and attachments are their files.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from supportcli import system
from supportcli.errors import SupportError
from supportcli.i18n import N_, _

APP_NAME = "support"


def home() -> Path | None:
    value = os.environ.get("SUPPORT_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    root = home()
    if root is not None:
        return root
    # Imported here: platformdirs only when SUPPORT_HOME is not set.
    import platformdirs

    return platformdirs.user_config_path(APP_NAME)


def data_dir() -> Path:
    root = home()
    if root is not None:
        return root
    # Imported here: platformdirs only when SUPPORT_HOME is not set.
    import platformdirs

    return platformdirs.user_data_path(APP_NAME)


def config_file() -> Path:
    return config_dir() / "config.toml"


def attachments_dir() -> Path:
    return data_dir() / "attachments"


def logs_dir() -> Path:
    return data_dir() / "logs"


def db_target() -> str:
    """The SUPPORT_DB value (a path or a URL), or the default history file."""
    value = os.environ.get("SUPPORT_DB")
    if value:
        return value
    return str(data_dir() / "history.db")


def ensure_private_dir(path: Path, what: str = N_("folder")) -> Path:
    """Create `path` (and missing parents) as 0700 folders; tighten ours if others may
    read it; refuse it (`check_private`) if it is another user's or others may write it."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
    check_private(path, what)
    system.tighten(path, 0o700)
    return path


# What check_private may be asked about, for the catalog (callers pass the English word).
_WHAT = (N_("folder"), N_("config file"), N_("history"), N_("history folder"))


def check_private(path: Path, what: str) -> None:
    """Refuse a folder or file that is not the user's alone, saying how to fix it. A
    folder that others may only read is tightened instead (`system.tighten`): that loses
    nothing, while one they could write in may already hold something they put there."""
    problem = system.not_private(path)
    if problem is None:
        return
    why, owner = problem
    message = {
        "owner": _(
            "the {what} {path} belongs to {owner}, not to you; refusing to use it "
            "(use a folder of your own (set SUPPORT_HOME), or have it chown'ed to you)"
        ),
        "shared": _(
            "the {what} {path} is a shared folder others can write in; refusing to use it "
            "(use a folder of your own: set SUPPORT_HOME, or SUPPORT_DB to a file in one)"
        ),
        "writable": _(
            "the {what} {path} is writable by group or others; refusing to use it "
            "(run `chmod go-w {path}` after checking what is in it)"
        ),
    }[why]
    raise SupportError(message.format(what=_(what), path=path, owner=owner))


def create_private_file(path: Path) -> int:
    """Open a new file that is 0600 before its first byte; fails if it exists."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | system.O_BINARY, 0o600)


def write_private_file(path: Path, data: bytes) -> None:
    """Replace `path` atomically with `data`, as a 0600 file."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = create_private_file(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
