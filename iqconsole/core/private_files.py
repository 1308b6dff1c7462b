"""Every file iqconsole writes goes through here: written atomically, readable only by the user.

Drafts, history, exports and responder sets can hold stanzas from the user's account, so files
are created 0600 and the folders iqconsole creates for them 0700 (whatever the umask). A
rewrite goes to a temporary file in the same folder, then replaces the old file in one step:
a crash or a full disk never leaves half a file, and the old one stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

__all__ = ["FILE_MODE", "FOLDER_MODE", "append_privately", "atomic_writer", "make_private_folder", "write_atomically"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_private_folder(folder: Path) -> None:
    """Create `folder` and its missing parents, each 0700; existing folders are left alone."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by someone else: theirs
            created.mkdir(FOLDER_MODE)
            os.chmod(created, FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """A text stream that becomes `path` (mode 0600) when the block ends without an error."""
    make_private_folder(path.parent)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, text: str) -> None:
    with atomic_writer(path) as stream:
        stream.write(text)


def append_privately(path: Path, text: str) -> None:
    """Add `text` at the end of `path`, creating it 0600 (and making an older, wider file 0600)."""
    make_private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    with os.fdopen(descriptor, "a", encoding="utf-8", newline="\n") as stream:
        if os.stat(descriptor).st_mode & 0o777 != FILE_MODE:
            os.fchmod(descriptor, FILE_MODE)
        stream.write(text)
