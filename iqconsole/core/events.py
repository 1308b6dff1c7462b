"""Listeners: how the core tells front ends that something changed, without knowing them.

The core calls `emit` where the change happens (often inside slixmpp's receive path, for every
stanza), so emitting is cheap and a listener that raises is logged, never propagated: a faulty
view must not end the XMPP stream. Listeners that redraw coalesce on their side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Listeners"]

Value = TypeVar("Value")
_log = logging.getLogger(__name__)


class Listeners(Generic[Value]):
    """The callbacks subscribed to one kind of change."""

    __slots__ = ("_callbacks",)

    def __init__(self) -> None:
        self._callbacks: tuple[Callable[[Value], object], ...] = ()

    def subscribe(self, callback: Callable[[Value], object]) -> Callable[[], None]:
        """Call `callback` on every change from now on; the result unsubscribes it."""
        self._callbacks = (*self._callbacks, callback)
        return lambda: self.unsubscribe(callback)

    def unsubscribe(self, callback: Callable[[Value], object]) -> None:
        self._callbacks = tuple(existing for existing in self._callbacks if existing != callback)

    def emit(self, value: Value) -> None:
        for callback in self._callbacks:  # a tuple: subscribing while emitting is safe
            try:
                callback(value)
            except Exception:
                _log.exception("a listener failed on %r", value)

    def __len__(self) -> int:
        return len(self._callbacks)
