"""The classroom of `iqconsole serve`: one sandbox server, one account per seat, one seat per browser tab.

The serve process starts the sandbox (accounts seat1…seatN and bob) and writes what a seat needs to
log in into a private folder inside the sandbox's directory (thrown away with it). Every browser tab
starts `iqconsole _seat FOLDER`, which claims the first free seat by locking that seat's lock file
with flock(2): two tabs opened at once can never both hold the same lock, and the kernel releases it
when the tab's console ends, however it ends (so the seat is free again without any clean-up).
The lock file also holds the claimer's pid and start time, for the teacher's seat list.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from iqconsole.core.account import Account, Secret
from iqconsole.core.private_files import make_private_folder, write_atomically
from iqconsole.core.sandbox import ProsodySandbox
from iqconsole.core.stream_reader import Limits

__all__ = [
    "Classroom",
    "ClassroomError",
    "SeatClaim",
    "SeatState",
    "claim_seat",
    "die_with_serve",
    "open_classroom",
    "seat_names",
    "seat_states",
]

DESCRIPTION = "classroom.json"
SEATS = "seats"
BOB = "bob"
SEAT_RESOURCE = "console"
BOB_RESOURCE = "demo"


class ClassroomError(RuntimeError):
    """A seat cannot be given (no free seat, a classroom folder that cannot be read)."""


def seat_names(count: int) -> list[str]:
    return [f"seat{number}" for number in range(1, count + 1)]


@dataclass(frozen=True)
class Classroom:
    """Where the class's server is and the seats' accounts (the passwords stay in a 0600 file)."""

    folder: Path
    host: str
    port: int
    domain: str
    ca_file: Path
    serve_pid: int
    passwords: dict[str, str]  # username → password, seats and bob

    @property
    def seats(self) -> list[str]:
        return [name for name in self.passwords if name != BOB]

    def account(self, username: str, limits: Limits | None = None) -> Account:
        resource = BOB_RESOURCE if username == BOB else SEAT_RESOURCE
        return Account(
            f"{username}@{self.domain}/{resource}",
            Secret(self.passwords[username]),
            host=self.host,
            port=self.port,
            ca_file=self.ca_file,
            limits=limits or Limits(),
        )

    def seat_folder(self, seat: str) -> Path:
        """The seat's own data and state (draft, history, lesson progress), thrown away with the class."""
        return self.folder / SEATS / seat

    @classmethod
    def open(cls, sandbox: ProsodySandbox, seats: int) -> Classroom:
        """Write the description of a started sandbox for its seats (`seats` accounts seat1…)."""
        folder = sandbox.directory / "classroom"
        make_private_folder(folder / SEATS)
        classroom = cls(
            folder,
            sandbox.host,
            sandbox.port,
            sandbox.domain,
            sandbox.ca_file,
            os.getpid(),
            {name: sandbox.account(name).password for name in [*seat_names(seats), BOB]},
        )
        description = {
            "host": classroom.host,
            "port": classroom.port,
            "domain": classroom.domain,
            "ca_file": str(classroom.ca_file),
            "serve_pid": classroom.serve_pid,
            "passwords": classroom.passwords,
        }
        write_atomically(folder / DESCRIPTION, json.dumps(description, indent=1))
        return classroom


def open_classroom(folder: Path) -> Classroom:
    """The classroom described in `folder` (by the serve process that started it)."""
    try:
        fields = json.loads((folder / DESCRIPTION).read_text(encoding="utf-8"))
        return Classroom(
            folder,
            str(fields["host"]),
            int(fields["port"]),
            str(fields["domain"]),
            Path(fields["ca_file"]),
            int(fields["serve_pid"]),
            {str(name): str(password) for name, password in fields["passwords"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ClassroomError(f"{folder}: not a classroom folder of `iqconsole serve` ({error})") from None


@dataclass(frozen=True)
class SeatClaim:
    """A seat held by this process: its lock stays held until the process ends."""

    name: str
    number: int
    descriptor: int


def claim_seat(classroom: Classroom) -> SeatClaim:
    """Lock the first free seat for this process; ClassroomError when every seat is taken."""
    for number, name in enumerate(classroom.seats, start=1):
        path = classroom.folder / SEATS / f"{name}.lock"
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()} {_start_time(os.getpid())} {time.time():.0f}\n".encode(), 0)
        return SeatClaim(name, number, descriptor)
    raise ClassroomError(
        f"every seat is taken ({len(classroom.seats)} of {len(classroom.seats)}): close another tab, "
        "or ask the teacher to start the class with more --seats"
    )


@dataclass(frozen=True)
class SeatState:
    """One line of the teacher's seat list."""

    name: str
    jid: str
    taken_since: float | None  # wall time the seat's console started; None: free
    pid: int | None


def seat_states(classroom: Classroom) -> list[SeatState]:
    """Which seats have a console open: the claimer named in the lock file still runs (same pid,
    same start time, so a reused pid does not count) and is a child of the serve process."""
    states = []
    for name in classroom.seats:
        jid = f"{name}@{classroom.domain}/{SEAT_RESOURCE}"
        try:
            pid_text, started, since = (classroom.folder / SEATS / f"{name}.lock").read_text().split()
            pid = int(pid_text)
            alive = _start_time(pid) == started and _parent(pid) == classroom.serve_pid
        except (OSError, ValueError):
            alive = False
        states.append(SeatState(name, jid, float(since), pid) if alive else SeatState(name, jid, None, None))
    return states


def _process_stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (which may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _start_time(pid: int) -> str:
    return _process_stat(pid)[19]  # field 22: start time in clock ticks since boot


def _parent(pid: int) -> int:
    return int(_process_stat(pid)[1])  # field 4: ppid


def die_with_serve(classroom: Classroom) -> None:
    """Have the kernel end this seat's console when the serve process ends, even by SIGKILL
    (textual-serve starts each console with `exec`, so serve is the parent); stop now if it is gone."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != classroom.serve_pid:
        raise ClassroomError("the serve process that started this seat is gone")
