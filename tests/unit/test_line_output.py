"""Report lines go out through a bounded queue and a thread: the caller never waits."""

from __future__ import annotations

import os
import threading
from itertools import pairwise

from iqconsole.core.line_output import LineOutput


def test_lines_beyond_the_queue_are_dropped_and_counted_not_waited_for():
    read_end, write_end = os.pipe()
    output = LineOutput(write_end, lambda count: f"dropped {count}", capacity=100)
    lines = 20_000  # far more than the pipe and the queue hold together
    for number in range(lines):
        output.write(f"line {number:05d} " + "x" * 100)  # returns at once although nobody reads yet
    assert output.dropped > 0

    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.extend(iter(lambda: os.read(read_end, 65536), b"")))
    reader.start()
    output.close(timeout=30)
    os.close(write_end)
    reader.join(30)
    written = b"".join(received).decode().splitlines()
    kept = [line for line in written if line.startswith("line ")]
    notes = [int(line.split()[1]) for line in written if line.startswith("dropped ")]
    assert kept == sorted(kept), "in order"
    assert len(kept) + sum(notes) == lines, "every line is either written or counted as dropped"
    for before, after in pairwise(written):
        if before.startswith("line ") and after.startswith("line "):
            assert int(after.split()[1]) == int(before.split()[1]) + 1, "a gap always carries its count"


def test_a_reader_that_goes_away_stops_the_output_quietly():
    read_end, write_end = os.pipe()
    os.close(read_end)
    output = LineOutput(write_end, str)
    output.write("nobody reads this")
    output.close(timeout=5)
    os.close(write_end)
