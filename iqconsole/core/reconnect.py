"""Reconnecting after an unexpected loss: the backoff schedule and the countdown, nothing XMPP.

The Session hands a Reconnector one `attempt` (connect and log in again, or say why not) and
listens to its status; the Reconnector waits the schedule's delay before each attempt, counting
down a second at a time so a front end can show "reconnecting in 3 s", until an attempt
succeeds or someone stops it. The clock is injected (`sleep`), so its tests never wait.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

__all__ = ["DEFAULT_DELAYS", "Backoff", "Reconnector", "Retry", "RetryPhase"]

DEFAULT_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # seconds before attempts 1, 2, 3…; the last repeats


@dataclass(frozen=True)
class Backoff:
    """How long to wait before each attempt: `delays[n - 1]` before attempt n, the last one forever."""

    delays: tuple[float, ...] = DEFAULT_DELAYS

    def __post_init__(self) -> None:
        if not self.delays or any(delay < 0 or not math.isfinite(delay) for delay in self.delays):
            raise ValueError(f"a backoff needs delays of 0 s or more, not {self.delays!r}")

    def delay(self, attempt: int) -> float:
        return self.delays[min(attempt, len(self.delays)) - 1]


class RetryPhase(str, Enum):
    WAITING = "waiting"  # counting down to the next attempt
    CONNECTING = "connecting"  # an attempt is under way
    DONE = "done"  # an attempt succeeded
    STOPPED = "stopped"  # someone stopped it


@dataclass(frozen=True)
class Retry:
    """Where reconnecting stands, for a status line."""

    phase: RetryPhase
    attempt: int
    seconds_left: int = 0
    last_failure: str = ""  # why the previous attempt failed

    def describe(self) -> str:
        """'reconnecting in 3 s (attempt 2; last: Connection refused …)'."""
        if self.phase is RetryPhase.WAITING:
            text = f"reconnecting in {self.seconds_left} s (attempt {self.attempt}"
        elif self.phase is RetryPhase.CONNECTING:
            text = f"reconnecting now (attempt {self.attempt}"
        elif self.phase is RetryPhase.STOPPED:
            return "reconnecting stopped"
        else:
            return "reconnected"
        return text + (f"; last: {self.last_failure})" if self.last_failure else ")")


Attempt = Callable[[], Awaitable[str | None]]  # None: it worked; else why not


class Reconnector:
    """Runs attempts with the backoff until one works or `stop()`; at most one run at a time."""

    def __init__(
        self,
        attempt: Attempt,
        on_status: Callable[[Retry], None],
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self._attempt = attempt
        self._on_status = on_status
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self._task: asyncio.Task[bool] | None = None
        self._hurry = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[bool]:
        """Begin (or keep) reconnecting; the task's result: True once online, False if stopped."""
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        return self._task

    def hurry(self) -> None:
        """Attempt at the end of the current second instead of waiting out the delay (the
        server is known to be back)."""
        self._hurry = self.running

    def stop(self) -> bool:
        """Stop waiting and attempting; True if it was running."""
        if not self.running:
            return False
        assert self._task is not None
        self._task.cancel()
        return True

    async def _run(self) -> bool:
        attempt, failure = 0, ""
        try:
            while True:
                attempt += 1
                delay = self.backoff.delay(attempt)
                seconds = math.ceil(delay)
                for shown in range(seconds, 0, -1):  # whole seconds shown: the fraction is waited first
                    if self._hurry:
                        break
                    self._on_status(Retry(RetryPhase.WAITING, attempt, shown, failure))
                    await self._sleep(delay - (seconds - 1) if shown == seconds else 1.0)
                self._hurry = False
                self._on_status(Retry(RetryPhase.CONNECTING, attempt, 0, failure))
                failure = await self._attempt() or ""
                if not failure:
                    self._on_status(Retry(RetryPhase.DONE, attempt))
                    return True
        except asyncio.CancelledError:
            self._on_status(Retry(RetryPhase.STOPPED, attempt, 0, failure))
            return False
