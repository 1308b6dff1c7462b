"""Who owns a sandbox directory, so a killed console's directory does not stay in /tmp.

A sandbox directory holds a lock file (`OWNER_LOCK`) locked with flock(2) by the process that made
it, for the sandbox's whole life, and by its server process too (the descriptor is inherited). The
kernel drops a flock when the last process holding it ends, however it ends (SIGKILL included),
so: a directory whose lock can be taken has no live owner and no live server. Starting any sandbox
removes such directories (`remove_orphans`). A lock, not a recorded pid: a pid can be reused by
another program, a lock cannot outlive its holders, and nothing has to run at the moment of death.

Only directories that are provably iqconsole's are ever removed: named `iqconsole-SERVER-…` in the
temporary directory, a real directory (not a link) of our own user, holding the lock file. A
directory kept on purpose (`stop(keep=True)`) has its lock file removed, so it is never swept.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path

__all__ = ["OWNER_LOCK", "claim", "release", "remove_orphans"]

OWNER_LOCK = "iqconsole-owner.lock"
PREFIX = "iqconsole-"


def claim(directory: Path) -> int:
    """Lock `directory` for this process (and the servers it is passed to); the lock's descriptor.

    The file is locked under another name and renamed into place, so a sweep never sees an
    unlocked lock file of a sandbox being made."""
    partial = directory / f".{OWNER_LOCK}.new"
    descriptor = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.write(descriptor, f"{os.getpid()}\n".encode())  # for a person looking; the lock is the proof
    os.replace(partial, directory / OWNER_LOCK)
    return descriptor


def release(descriptor: int, directory: Path, *, kept: bool) -> None:
    """Drop the lock; a directory kept for a post-mortem loses its lock file so no sweep takes it."""
    if kept:
        (directory / OWNER_LOCK).unlink(missing_ok=True)
    os.close(descriptor)


def remove_orphans(temporary: Path | None = None) -> list[Path]:
    """Remove the sandbox directories whose owner and server are gone; the ones removed."""
    root = Path(temporary or tempfile.gettempdir())
    removed = []
    for directory in root.glob(f"{PREFIX}*-*"):
        if _orphaned(directory):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed


def _orphaned(directory: Path) -> bool:
    """Ours (a real directory of this user, with a lock file) and nobody holds its lock."""
    try:
        info = directory.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return False
        descriptor = os.open(directory / OWNER_LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # gone, not ours, or no lock file: not provably an orphan
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:  # held: its console or its server is alive
        return False
    finally:
        os.close(descriptor)
