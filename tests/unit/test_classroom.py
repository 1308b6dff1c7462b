"""Seats of `iqconsole serve`: tabs opened at once never share a seat, a seat frees itself when its
console ends, and the teacher's list sees only live consoles of this class."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iqconsole.core.classroom import Classroom, ClassroomError, claim_seat, open_classroom, seat_names, seat_states
from iqconsole.ui.classroom.classroom_server import is_loopback

CLAIMER = """
import sys
from pathlib import Path
from iqconsole.core.classroom import Classroom, ClassroomError, claim_seat
classroom = Classroom(Path(sys.argv[1]), "127.0.0.1", 5222, "localhost", Path("ca"), 0, {n: "pw" for n in sys.argv[2:]})
try:
    print(claim_seat(classroom).name, flush=True)
except ClassroomError:
    print("full", flush=True)
sys.stdin.read()  # holds the seat until its stdin closes, like a console until its tab closes
"""


def classroom_in(folder: Path, seats: int, serve_pid: int = 0) -> Classroom:
    (folder / "seats").mkdir(parents=True, exist_ok=True)
    return Classroom(
        folder, "127.0.0.1", 5222, "localhost", folder / "ca", serve_pid, dict.fromkeys(seat_names(seats), "pw")
    )


def test_tabs_opened_at_once_get_different_seats_and_a_closed_one_frees_its_seat(tmp_path):
    classroom_in(tmp_path, 4)
    start = [sys.executable, "-c", CLAIMER, str(tmp_path), *seat_names(4)]
    claimers = [subprocess.Popen(start, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(6)]
    try:
        seats = [claimer.stdout.readline().strip() for claimer in claimers]
        assert sorted(seats) == ["full", "full", "seat1", "seat2", "seat3", "seat4"]
        leaving = claimers[seats.index("seat3")]
        leaving.stdin.close()
        leaving.wait(30)
        late = subprocess.Popen(start, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        claimers.append(late)
        assert late.stdout.readline().strip() == "seat3"  # freed by the kernel when its holder ended
    finally:
        for claimer in claimers:
            if claimer.stdin and not claimer.stdin.closed:
                claimer.stdin.close()
            claimer.wait(30)


def test_the_seat_list_shows_the_live_consoles_of_this_class_only(tmp_path):
    mine = classroom_in(tmp_path / "mine", 2, serve_pid=os.getppid())  # this process plays a console of it
    seat = claim_seat(mine)
    try:
        states = {state.name: state for state in seat_states(mine)}
        assert states["seat1"].pid == os.getpid() and states["seat1"].taken_since is not None
        assert states["seat2"].taken_since is None
        other = Classroom(mine.folder, mine.host, mine.port, mine.domain, mine.ca_file, 1, mine.passwords)
        assert all(state.taken_since is None for state in seat_states(other))  # not a child of that serve
    finally:
        os.close(seat.descriptor)


def test_a_folder_without_a_classroom_is_refused(tmp_path):
    with pytest.raises(ClassroomError, match="not a classroom folder"):
        open_classroom(tmp_path)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("class.example", False),
    ],
)
def test_only_loopback_addresses_count_as_private(host, loopback):
    assert is_loopback(host) is loopback
