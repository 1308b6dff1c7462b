"""The session journal: a console session's traffic appended to a file as it happens, so a
crash or a closed terminal loses nothing.

A journal file is a JSON Lines export (core/traffic_export.py), written line by line: its
entries are the store's, secrets already redacted at capture, and `iqconsole view` reads it
like any export. The header also names the session (when, account, server) for the listing.

Writing costs one scheduled flush per batch, not a write per stanza: the first entry after a
flush schedules the next flush with `call_soon`, so a flood is written once per pass of the
loop, before the screen shows it. A session's file that reaches `MAX_FILE_BYTES` goes on in a
new part; when the folder holds more than `MAX_TOTAL_BYTES`, the oldest files are removed
first. A file that cannot be written stops the journal with one message; the session goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from iqconsole.core.events import Listeners
from iqconsole.core.file_problems import reason
from iqconsole.core.private_files import FILE_MODE, make_private_folder
from iqconsole.core.traffic import Direction, PairState, TrafficEntry, TrafficStore
from iqconsole.core.traffic_export import (
    FORMAT,
    LoadedTraffic,
    entry_line,
    header_line,
    load_store,
    stopped_waiting_line,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_TOTAL_BYTES",
    "Journal",
    "JournalFolderError",
    "JournalListing",
    "PastSession",
    "load_session",
    "past_sessions",
]

MAX_FILE_BYTES = 10 * 1024**2  # one file of a session; a longer session goes on in a new part
MAX_TOTAL_BYTES = 100 * 1024**2  # the whole folder; the oldest files are removed first
SUFFIX = ".jsonl"
# 2026-12-02T21-33-01-4242.jsonl, its second part 2026-12-02T21-33-01-4242.2.jsonl
_FILE_NAME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d+(?:-\d+)?)(?:\.(\d+))?\.jsonl$")
# Only a record's own fields can hold these: quotes inside values are escaped.
_NOTICE = b'"kind": "notice"'
_STOPPED_WAITING = b'\n{"gave_up": '


def _file_order(path: Path) -> tuple[str, int] | None:
    """(session, part) of a journal file's name, oldest first when sorted; None: not a journal file."""
    match = _FILE_NAME.match(path.name)
    return (match.group(1), int(match.group(2) or 1)) if match else None


def _journal_files(folder: Path) -> list[tuple[tuple[str, int], Path]]:
    """The folder's journal files, oldest session first, each session's parts in order."""
    try:
        paths = list(folder.iterdir())
    except FileNotFoundError:
        return []
    return _named_in_order(paths)


def _named_in_order(paths: list[Path]) -> list[tuple[tuple[str, int], Path]]:
    return sorted((order, path) for path in paths if (order := _file_order(path)) is not None)


class Journal:
    """Appends every entry of `store` to the journal folder, from `start()` (inside the loop) to `close()`."""

    def __init__(
        self,
        folder: Path,
        store: TrafficStore,
        *,
        max_file_bytes: int = MAX_FILE_BYTES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
    ):
        self.folder = folder
        self.store = store
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self.account = ""
        self.server = ""
        self.path: Path | None = None  # the file written now
        self.error = ""  # why the journal stopped, if it did
        self.failed: Listeners[str] = Listeners()
        self._written = store.first_seq  # the seq of the next entry to write
        self._waiting: dict[int, TrafficEntry] = {}  # our requests written while they waited, by seq
        self._descriptor: int | None = None
        self._size = 0
        self._header_size = 0
        self._session = ""
        self._part = 0
        self._flush: asyncio.Handle | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.store.changed.subscribe(self._changed)

    def begin(self, account: str, server: str) -> None:
        """A login: another account than the file's starts a new session (a new file)."""
        if account != self.account and self._descriptor is not None:
            self.flush()
            self._close_file()
            self._session, self._part = "", 0
        self.account, self.server = account, server

    def _changed(self, _: None) -> None:
        if self._flush is None and self._loop is not None:
            self._flush = self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the entries appended since the last flush."""
        self._flush = None
        store, end = self.store, self.store.total
        if self.error or (self._written >= end and not self._waiting):
            return
        lines = self._stopped_waiting()
        for seq in range(self._written, end):
            entry = store.by_seq(seq)
            if entry is not None:
                lines.append(entry_line(store, entry))
                if entry.is_request and entry.direction is Direction.OUT:
                    self._waiting[seq] = entry
        self._written = end
        if not lines:
            return
        try:
            self._write(lines)
        except OSError as error:
            self._stop(error)

    def _stopped_waiting(self) -> list[str]:
        """A line for each request written earlier that has stopped waiting since (timed out or
        cancelled: an export says it on the request's line, a journal line is written once)."""
        lines = []
        for seq, request in list(self._waiting.items()):
            pairing = self.store.pairings.get(seq)
            if pairing is not None and pairing.state is PairState.PENDING:
                continue
            del self._waiting[seq]
            if pairing is not None and pairing.gave_up is not None:
                lines.append(stopped_waiting_line(request, pairing.gave_up))
        return lines

    def close(self) -> None:
        """Write what is left and let go of the file (on exit)."""
        if self._flush is not None:
            self._flush.cancel()
        self.flush()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._close_file()

    # -- files -----------------------------------------------------------------------------

    def _write(self, lines: list[str]) -> None:
        """Append the lines, in one write when they fit in the file, else going on in new parts."""
        data = "".join(lines).encode()
        if self._descriptor is not None and self._size + len(data) <= self.max_file_bytes:
            self._write_all(data)
            return
        batch: list[bytes] = []
        pending = 0
        for line in lines:
            data = line.encode()
            full = self._size + pending + len(data) > self.max_file_bytes and self._size + pending > self._header_size
            if self._descriptor is None or full:
                self._write_all(b"".join(batch))
                batch, pending = [], 0
                self._open_next()
            batch.append(data)
            pending += len(data)
        self._write_all(b"".join(batch))

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view and self._descriptor is not None:
            written = os.write(self._descriptor, view)
            view = view[written:]
            self._size += written

    def _open_next(self) -> None:
        """The session's next part (its first file at the first entry), then the folder pruned."""
        self._close_file()
        make_private_folder(self.folder)
        if not self._session:
            self._session = self._new_session()
        self._part += 1
        name = f"{self._session}{'' if self._part == 1 else f'.{self._part}'}{SUFFIX}"
        path = self.folder / name
        self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, FILE_MODE)
        self.path, self._size = path, 0
        header = header_line(
            self.store.own_jid or self.account,
            session=self._session,
            part=self._part,
            started=time.time(),
            account=self.account,
            server=self.server,
        ).encode()
        self._write_all(header)
        self._header_size = len(header)
        self._prune()

    def _new_session(self) -> str:
        """Named after its start and the process: sorting the names sorts the sessions by age."""
        stamp = f"{time.strftime('%Y-%m-%dT%H-%M-%S')}-{os.getpid()}"
        taken = {session for (session, _part), _path in _journal_files(self.folder)}
        name, number = stamp, 1
        while name in taken:
            number += 1
            name = f"{stamp}-{number}"
        return name

    def _prune(self) -> None:
        """Remove the oldest other files until they and a full new file fit within the cap."""
        others = [(path, path.stat().st_size) for _order, path in _journal_files(self.folder) if path != self.path]
        total = sum(size for _path, size in others) + self.max_file_bytes
        for path, size in others:
            if total <= self.max_total_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def _close_file(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)

    def _stop(self, error: OSError) -> None:
        where = error.filename or self.path or self.folder
        self.error = (
            f"The session journal stopped: cannot write {where}: {error.strerror or error}. "
            "The session goes on without it."
        )
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        with contextlib.suppress(OSError):
            self._close_file()
        self.failed.emit(self.error)


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastSession:
    """One journaled session, as the listing shows it."""

    name: str
    files: tuple[Path, ...]
    started: float
    account: str
    server: str
    stanzas: int  # entries other than the console's own notices
    size: int  # bytes, all parts together

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))


class JournalFolderError(Exception):
    """The journal folder cannot be listed (a file in its place, no permission): says which and why."""


@dataclass(frozen=True)
class JournalListing:
    """What the journal folder holds, as `iqconsole journal` and F12 show it."""

    sessions: list[PastSession]  # newest first
    not_journals: list[str]  # the names of the folder's other files (their header says so), skipped
    unreadable: list[str]  # "cannot read PATH: why", for each file skipped because it could not be read


@dataclass(frozen=True)
class _Part:
    """One journal file, read."""

    path: Path
    header: dict[str, object]
    stanzas: int
    size: int
    modified: float


def _header(content: bytes) -> dict[str, object]:
    try:
        value = json.loads(content.split(b"\n", 1)[0])
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _read_part(path: Path) -> _Part | None:
    """A journal file, or None for anything else (a folder, a file whose header is not a journal's)."""
    if not path.is_file():
        return None
    with path.open("rb") as stream:
        content = stream.read()
        modified = os.fstat(stream.fileno()).st_mtime
    header = _header(content)
    if header.get("format") != FORMAT or not isinstance(header.get("session"), str):
        return None
    stanzas = max(content.count(b"\n") - 1, 0) - content.count(_NOTICE) - content.count(_STOPPED_WAITING)
    return _Part(path, header, stanzas, len(content), modified)


def past_sessions(folder: Path) -> JournalListing:
    """The journaled sessions in `folder`, newest first, and the files skipped (raises
    JournalFolderError when the folder itself cannot be read; a missing folder holds nothing)."""
    try:
        paths = list(folder.iterdir())
    except FileNotFoundError:
        paths = []
    except OSError as error:
        raise JournalFolderError(f"cannot read the journal folder {folder}: {reason(error)}") from None
    named = _named_in_order(paths)
    listed = {path for _order, path in named}
    not_journals = sorted(path.name for path in paths if path not in listed)
    unreadable = []
    parts: dict[str, list[_Part]] = {}
    for (session, _part), path in named:
        try:
            part = _read_part(path)
        except OSError as error:
            unreadable.append(f"cannot read {path}: {reason(error)}")
            continue
        if part is None:
            not_journals.append(path.name)
        else:
            parts.setdefault(session, []).append(part)
    sessions = []
    for name, found in parts.items():
        header = found[0].header
        started = header.get("started")
        sessions.append(
            PastSession(
                name,
                tuple(part.path for part in found),
                started if isinstance(started, float) else found[0].modified,
                str(header.get("account") or header.get("own_jid") or ""),
                str(header.get("server") or ""),
                sum(part.stanzas for part in found),
                sum(part.size for part in found),
            )
        )
    sessions.sort(key=lambda session: session.name, reverse=True)
    return JournalListing(sessions, sorted(not_journals), unreadable)


def load_session(session: PastSession) -> LoadedTraffic:
    """All the parts of a session in one store (those that rotation removed are gone)."""
    loaded = load_store(session.files[0])
    for path in session.files[1:]:
        load_store(path, into=loaded)
    return loaded
