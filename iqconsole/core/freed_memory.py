"""Give the system back the memory a huge stanza used, once it is freed.

glibc serves large blocks from its heap once a large block has been freed (its mmap threshold
rises), and keeps freed heap for reuse: after a 50 MB stanza was read and dropped, the console's
RSS stayed 0-47 MB higher, varying from run to run (bench/huge_stanza.py). `malloc_trim` returns
what is free. Elsewhere (musl, macOS, Windows) there is nothing to call and nothing is done.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

HUGE_STANZA_BYTES = 1024 * 1024  # after a stanza this large, kept or skipped, memory is handed back


@cache  # looked up at the first huge stanza, not at start-up
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes  # only once a huge stanza came: ctypes is a few ms of start-up

    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # TypeError: Windows cannot open the process itself by None
        return None
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> None:
    """Hand the free part of the C heap back to the system (a few ms at most, after a huge stanza)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
