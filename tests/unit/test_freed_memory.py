"""After a huge stanza the console hands the freed heap back (glibc kept 0-47 MB of it otherwise)."""

from __future__ import annotations

import platform

from iqconsole.core import client as client_module
from iqconsole.core import freed_memory
from iqconsole.core.account import Account, Secret
from iqconsole.core.client import ConsoleClient
from iqconsole.core.freed_memory import HUGE_STANZA_BYTES, release_freed_memory
from iqconsole.core.stream_reader import Limits
from iqconsole.core.traffic import TrafficStore
from tests.xmpp_helpers import eventually

HEADER = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    b"id='s' from='localhost' version='1.0'>"
)


def reading_client(max_stanza_bytes: int) -> ConsoleClient:
    account = Account("console@localhost/r", Secret("secret"), limits=Limits(max_stanza_bytes=max_stanza_bytes))
    client = ConsoleClient(account, TrafficStore(100))
    client.init_parser()
    assert client._reader is not None
    client._read(client._reader, HEADER)
    return client


def message(body_bytes: int, stanza_id: str) -> bytes:
    return f"<message id='{stanza_id}'><body>".encode() + b"y" * body_bytes + b"</body></message>"


def recording_releases(monkeypatch) -> list[str]:
    released: list[str] = []
    monkeypatch.setattr(client_module, "release_freed_memory", lambda: released.append("released"))
    monkeypatch.setattr(client_module, "RELEASE_DELAY", 0.01)
    return released


async def test_a_huge_stanza_skipped_hands_memory_back(monkeypatch):
    released = recording_releases(monkeypatch)
    client = reading_client(max_stanza_bytes=HUGE_STANZA_BYTES)
    assert client._reader is not None
    client._read(client._reader, message(2 * HUGE_STANZA_BYTES, "skipped"))
    assert client.store.skipped == 1
    await eventually(lambda: released == ["released"], what="the release after the skipped stanza")


async def test_a_huge_stanza_kept_hands_memory_back(monkeypatch):
    released = recording_releases(monkeypatch)
    client = reading_client(max_stanza_bytes=4 * HUGE_STANZA_BYTES)
    assert client._reader is not None
    client._read(client._reader, message(HUGE_STANZA_BYTES, "kept"))
    assert any(entry.stanza_id == "kept" for entry in client.store)
    await eventually(lambda: released == ["released"], what="the release after the kept stanza")


async def test_huge_stanzas_in_a_row_release_once_after_the_last_and_small_ones_never(monkeypatch):
    released = recording_releases(monkeypatch)
    client = reading_client(max_stanza_bytes=2 * HUGE_STANZA_BYTES)
    assert client._reader is not None
    client._read(client._reader, message(1000, "small"))
    assert client._memory_release is None
    client._read(client._reader, message(3 * HUGE_STANZA_BYTES, "skipped") + message(HUGE_STANZA_BYTES, "kept"))
    await eventually(lambda: client._memory_release is None, what="the release done")
    assert released == ["released"], "two huge stanzas in one stretch of reading: one release"
    client._read(client._reader, message(1000, "small again"))
    assert client._memory_release is None and released == ["released"]


def test_handing_memory_back_runs_here():
    if platform.libc_ver()[0] == "glibc":
        assert freed_memory._malloc_trim() is not None, "glibc has malloc_trim"
    release_freed_memory()
