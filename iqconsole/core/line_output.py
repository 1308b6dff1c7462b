"""Lines for an output that may stop being read (stdout or stderr on a pipe nobody drains).

`iqconsole respond` reports every answered request on stdout, and when it is online on stderr;
printing on the event loop would stop the answering as soon as the pipe is full. Here the loop only puts the line in a bounded queue and a
thread writes it, with `os.write` on the file descriptor (no Python-level lock that interpreter
shutdown could wait on). When the queue is full, lines are dropped and counted, and the count is
written as a line of its own once the reader catches up.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

DEFAULT_CAPACITY = 10_000  # lines waiting to be written before new ones are dropped
BATCH_LINES = 1_000  # lines joined into one write at most


class LineOutput:
    def __init__(self, fd: int, dropped_line: Callable[[int], str], capacity: int = DEFAULT_CAPACITY):
        """`dropped_line(n)` is the line that says n lines were dropped (text or JSON)."""
        self._fd = fd
        self._dropped_line = dropped_line
        # Each line travels with the number of lines dropped before it, so a note sits at its gap.
        self._lines: queue.Queue[tuple[int, str | None]] = queue.Queue(capacity)
        self.dropped = 0
        self._closed_by_reader = False
        self._thread = threading.Thread(target=self._write_all, name="line-output", daemon=True)
        self._thread.start()

    def write(self, line: str) -> None:
        """Queue one line (without its newline); never waits."""
        try:
            self._lines.put_nowait((self.dropped, line))
        except queue.Full:
            self.dropped += 1

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued, waiting at most `timeout` seconds for a slow reader."""
        try:
            self._lines.put((self.dropped, None), timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _write_all(self) -> None:
        """Everything queued goes out in one write: a line per write costs the answering loop
        a thread switch per line when requests come fast."""
        reported = 0
        while True:
            batch = [self._lines.get()]
            while len(batch) < BATCH_LINES:
                try:
                    batch.append(self._lines.get_nowait())
                except queue.Empty:
                    break
            text: list[str] = []
            for dropped_before, line in batch:
                if dropped_before > reported:
                    text.append(self._dropped_line(dropped_before - reported))
                    reported = dropped_before
                if line is None:
                    self._write(text)
                    return
                text.append(line)
            self._write(text)

    def _write(self, lines: list[str]) -> None:
        if self._closed_by_reader or not lines:
            return
        data = "".join(line + "\n" for line in lines).encode("utf-8", "replace")
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except OSError:  # the reader went away (EPIPE): nothing more can be written
            self._closed_by_reader = True
