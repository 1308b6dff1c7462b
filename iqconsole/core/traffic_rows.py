"""The rows a traffic view shows: the store's entries that pass a filter, kept up to date cheaply.

With no filter the rows are the store itself (no list of 100,000 numbers is built). With one,
only the sequence numbers that pass are kept; new entries are checked once, as they arrive,
and rows whose entries left the ring are trimmed from the front.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable

from iqconsole.core.traffic import Kind, TrafficEntry, TrafficStore

Predicate = Callable[[TrafficEntry], bool]
_NOISE_KINDS = (Kind.KEEPALIVE, Kind.STREAM)
_SM_ACKS = ("r", "a")


def is_noise(entry: TrafficEntry) -> bool:
    """Keepalives, stream-level elements and stream management acks: hidden by one toggle."""
    return entry.kind in _NOISE_KINDS or (entry.kind is Kind.SM and entry.tag in _SM_ACKS)


class TrafficRows:
    def __init__(self, store: TrafficStore, predicate: Predicate | None = None):
        self.store = store
        self._predicate = predicate
        self._seqs: deque[int] = deque()
        self._checked_total = 0
        self.rebuild()

    @property
    def predicate(self) -> Predicate | None:
        return self._predicate

    @predicate.setter
    def predicate(self, predicate: Predicate | None) -> None:
        self._predicate = predicate
        self.rebuild()

    def rebuild(self) -> None:
        """Apply the filter to everything kept (a new filter also covers the past)."""
        self._seqs = deque(entry.seq for entry in self.store if self._predicate(entry)) if self._predicate else deque()
        self._checked_total = self.store.total

    def update(self) -> int:
        """Take in what arrived since the last call; return how many rows were added."""
        store = self.store
        if self._predicate is None:
            added = store.total - self._checked_total
            self._checked_total = store.total
            return min(added, len(store))
        first = store.first_seq
        while self._seqs and self._seqs[0] < first:
            self._seqs.popleft()
        start = max(self._checked_total, first)
        before = len(self._seqs)
        predicate = self._predicate
        for seq in range(start, store.total):
            entry = store[seq - first]  # start >= first: every seq here is still kept
            if predicate(entry):
                self._seqs.append(seq)
        self._checked_total = store.total
        return len(self._seqs) - before

    def __len__(self) -> int:
        return len(self.store) if self._predicate is None else len(self._seqs)

    @property
    def hidden(self) -> int:
        """Entries kept in the store that the filter hides."""
        return len(self.store) - len(self)

    def entry(self, row: int) -> TrafficEntry | None:
        if self._predicate is None:
            return self.store[row] if 0 <= row < len(self.store) else None
        if not 0 <= row < len(self._seqs):
            return None
        return self.store.by_seq(self._seqs[row])

    def row_of(self, seq: int) -> int | None:
        """The row showing entry `seq`, or None when it is filtered out or gone."""
        if self._predicate is None:
            row = seq - self.store.first_seq
            return row if 0 <= row < len(self.store) else None
        row = bisect_left(self._seqs, seq)
        return row if row < len(self._seqs) and self._seqs[row] == seq else None
