"""The sandbox servers by name: `iqconsole sandbox --server NAME`, the tests and the template table."""

from __future__ import annotations

from collections.abc import Iterable

from iqconsole.core.ejabberd_sandbox import EjabberdSandbox
from iqconsole.core.sandbox import ProsodySandbox

__all__ = ["SERVERS", "make_sandbox"]

SERVERS: dict[str, type[ProsodySandbox]] = {"prosody": ProsodySandbox, "ejabberd": EjabberdSandbox}


def make_sandbox(server: str, usernames: Iterable[str] = ("alice", "bob")) -> ProsodySandbox:
    """A sandbox of the named server, not started yet; KeyError names the servers there are."""
    try:
        kind = SERVERS[server]
    except KeyError:
        raise KeyError(f"no sandbox server {server!r} (choose from {', '.join(SERVERS)})") from None
    return kind(usernames)
