"""Every difference between the platforms support runs on, in one place.

Linux is tested; Windows and macOS are type-checked (tests/test_portable.py runs mypy with
--platform win32 and darwin), so each branch below tests `sys.platform`, which mypy
understands: a name that does not exist on a platform is an error there, not a crash.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from supportcli.i18n import _

# Add to os.open's flags for a file written as bytes or through our own text layer: on
# Windows a descriptor opens in text mode unless told otherwise, and the C library would
# then write every LF as CRLF, changing an attachment's bytes (tempfile does the same).
if sys.platform == "win32":
    O_BINARY = os.O_BINARY
else:
    O_BINARY = 0

# Add to os.open's flags where a symlink must not be followed (Windows has no such flag;
# there, creating a symlink needs a privilege ordinary users lack).
if sys.platform == "win32":
    O_NOFOLLOW = 0
else:
    O_NOFOLLOW = os.O_NOFOLLOW


def tighten(path: Path, mode: int) -> None:
    """Set `path` to `mode` (0600 or 0700) when it is ours and open to group or others.

    On Windows there is no owner id in a stat and the mode bits are made up: a private
    file's privacy comes from the user profile's permissions, so there is nothing to do."""
    if sys.platform == "win32":
        return
    info = path.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        path.chmod(mode)


def not_private(path: Path) -> tuple[str, str] | None:
    """Why `path`, a folder or file that holds the history, attachments or settings, is
    not the user's alone: it belongs to another user (who could read every inquiry), or
    group or others may write in it (and swap what is inside). None when it is private;
    otherwise (why, whose): "owner" and the owner's name, "shared" or "writable" and "".

    On Windows the user profile's permissions decide, and a stat has no owner: None."""
    if sys.platform == "win32":
        return None
    info = path.stat()
    if info.st_uid != os.geteuid():
        import pwd  # Unix only; a look-up only when something is wrong

        try:
            owner = pwd.getpwuid(info.st_uid).pw_name
        except KeyError:
            owner = _("user id {uid}").format(uid=info.st_uid)
        return "owner", owner
    if info.st_mode & 0o022:
        if info.st_mode & 0o1000:  # the sticky bit: a shared folder such as /tmp
            return "shared", ""
        return "writable", ""
    return None


def process_gone(pid: int) -> bool:
    """True when no process `pid` exists on this machine. On Windows os.kill would end
    the process instead of probing it, so there we never claim to know: False."""
    if sys.platform == "win32":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's live process
        return False
    return False


def stop_signals() -> tuple[signal.Signals, ...]:
    """The signals that end the program like Ctrl-C: SIGTERM, and SIGHUP (a closed
    terminal) where it exists."""
    if sys.platform == "win32":
        return (signal.SIGTERM,)
    return (signal.SIGTERM, signal.SIGHUP)


def hostname() -> str:
    """This machine's name (os.uname() does not exist on Windows)."""
    import socket  # 4 ms; only the send path asks, and smtplib has imported it by then

    return socket.gethostname()
