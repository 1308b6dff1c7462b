"""Lines for an output that may stop being read (stdout or stderr on a pipe nobody drains).

`iqconsole respond` reports every answered request on stdout, and when it is online on stderr;
printing on the event loop would stop the answering as soon as the pipe is full. Here the loop only puts the line in a bounded queue and a
thread writes it, with `os.write` on the file descriptor (no Python-level lock that interpreter
shutdown could wait on). When the queue is full, lines are dropped and counted, and the count is
written as a line of its own once the reader catches up.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable

DEFAULT_CAPACITY = 10_000  # lines waiting to be written before new ones are dropped
BATCH_LINES = 1_000  # lines joined into one write at most


class LineOutput:
    def __init__(self, fd: int, dropped_line: Callable[[int], str], capacity: int = DEFAULT_CAPACITY):
        """`dropped_line(n)` is the line that says n lines were dropped (text or JSON)."""
        self._fd = fd
        self._dropped_line = dropped_line
        self._capacity = capacity
        # Each line travels with the number of lines dropped before it, so a note sits at its gap.
        # A deque, not a queue.Queue: the answering loop writes one line per request, and a
        # Queue's lock and condition cost more than the line itself; only the writer takes lines.
        self._lines: deque[tuple[int, str | None]] = deque()
        self._waiting = threading.Event()  # set when lines wait; the writer sleeps on it
        self.dropped = 0
        self._closed_by_reader = False
        self._thread = threading.Thread(target=self._write_all, name="line-output", daemon=True)
        self._thread.start()

    def write(self, line: str) -> None:
        """Queue one line (without its newline); never waits."""
        if len(self._lines) >= self._capacity:
            self.dropped += 1
            return
        self._lines.append((self.dropped, line))
        if not self._waiting.is_set():  # wake the writer only when it sleeps
            self._waiting.set()

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued, waiting at most `timeout` seconds for a slow reader."""
        self._lines.append((self.dropped, None))
        self._waiting.set()
        self._thread.join(timeout)

    def _write_all(self) -> None:
        """Everything queued goes out in one write: a line per write costs the answering loop
        a thread switch per line when requests come fast."""
        reported = 0
        lines = self._lines
        while True:
            self._waiting.wait()
            self._waiting.clear()  # before taking lines: one written after this wakes us again
            while lines:
                text: list[str] = []
                for _ in range(min(len(lines), BATCH_LINES)):
                    dropped_before, line = lines.popleft()
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
