"""Why a file could not be read, in the words a user reads after its path ("no such file"),
instead of Python's "[Errno 21] Is a directory: '/tmp'"."""

from __future__ import annotations


def reason(error: OSError, expected: str = "a file") -> str:
    """What went wrong with a path; `expected` is what it should have been ("a recording")."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return f"is a folder, not {expected}"
    if isinstance(error, NotADirectoryError):
        return "not a folder"
    if isinstance(error, PermissionError):
        return "permission denied"
    words = error.strerror or str(error)
    return words[:1].lower() + words[1:]
