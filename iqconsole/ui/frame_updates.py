"""Coalesce the core's change notifications into at most one widget update per frame.

The core emits a change for every stanza; a flood is thousands a second. A widget `follow`s the
core's listeners through FrameUpdates instead of redrawing on each: the first change of a frame
starts a one-shot timer, the rest of the frame's changes ride on it, and nothing runs while
nothing changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer

from iqconsole.core.events import Listeners

FRAME = 1 / 30  # seconds


class FrameUpdates:
    def __init__(self, owner: MessagePump, update: Callable[[], None], frame: float = FRAME):
        self._owner = owner
        self._update = update
        self._frame = frame
        self._timer: Timer | None = None
        self._shown_at = float("-inf")  # when the owner last showed an update (mark_shown)
        self._unsubscribe: list[Callable[[], None]] = []

    def follow(self, listeners: Listeners) -> None:
        """Update on the changes `listeners` announce, until `stop`."""
        self._unsubscribe.append(listeners.subscribe(self.notify))

    def notify(self, _change: object = None) -> None:
        """Something changed: update once, at the end of this frame."""
        self.notify_in(self._frame)

    def notify_in(self, delay: float) -> None:
        """Update after `delay` seconds, unless an update is already due."""
        if self._timer is None:
            self._timer = self._owner.set_timer(delay, self._run, name="frame update")

    def too_soon(self, interval: float) -> bool:
        """Whether the owner showed an update less than `interval` seconds ago; the update is
        then due again once they have passed (a flood shown a few times a second, not each frame)."""
        wait = self._shown_at + interval - time.monotonic()
        if wait > 0:
            self.notify_in(wait)
        return wait > 0

    def mark_shown(self) -> None:
        """The owner shows an update now (the start of `too_soon`'s interval)."""
        self._shown_at = time.monotonic()

    def stop(self) -> None:
        """No more updates (the widget leaves the screen)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _run(self) -> None:
        self._timer = None
        self._update()
