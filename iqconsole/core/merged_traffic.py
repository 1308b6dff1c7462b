"""The traffic of several accounts in one log.

Each account keeps its own TrafficStore (its session pairs its requests and replies there and
settles their outcomes from it); an `AccountStore` also copies every entry it records into the
console's `MergedTraffic`, tagged with the account's name. The merged store pairs each account's
requests with that account's replies only: when alice asks bob, alice's request and bob's copy
of it carry the same id, and each pairs with the reply on its own side.
"""

from __future__ import annotations

from typing import Any

from iqconsole.core.traffic import DEFAULT_CAPACITY, Direction, Kind, PairState, TrafficEntry, TrafficStore

__all__ = ["AccountStore", "MergedTraffic"]


class MergedTraffic(TrafficStore):
    """Every account's entries, in the order they were recorded, each with its `account`."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        super().__init__(capacity)
        self.sources: dict[str, TrafficStore] = {}
        self._copies: dict[tuple[str, int], int] = {}  # (account, seq in its store) -> seq here
        self._originals: dict[int, tuple[str, int]] = {}

    def account_store(self, account: str, capacity: int | None = None) -> AccountStore:
        """A new store for `account` (a name unique in this console) that copies into this one."""
        store = AccountStore(self, account, capacity if capacity is not None else self.capacity)
        self.sources[account] = store
        return store

    def own_jid_of(self, account: str) -> str:
        source = self.sources.get(account)
        return source.own_jid if source is not None else self.own_jid

    def take(self, account: str, entry: TrafficEntry) -> TrafficEntry:
        copy = self.append_copy(entry, account)
        self._copies[(account, entry.seq)] = copy.seq
        self._originals[copy.seq] = (account, entry.seq)
        return copy

    def copy_of(self, account: str, entry: TrafficEntry) -> TrafficEntry | None:
        """This log's entry for `entry` of `account`'s store (None: no longer kept here)."""
        seq = self.copy_seq(account, entry.seq)
        return None if seq is None else self.by_seq(seq)

    def copy_seq(self, account: str, seq: int) -> int | None:
        return self._copies.get((account, seq))

    def _forget(self, entry: TrafficEntry) -> None:
        super()._forget(entry)
        original = self._originals.pop(entry.seq, None)
        if original is not None:
            self._copies.pop(original, None)


class AccountStore(TrafficStore):
    """One account's traffic; each entry, secret and give-up is also the merged log's."""

    def __init__(self, merged: MergedTraffic, account: str, capacity: int = DEFAULT_CAPACITY):
        super().__init__(capacity)
        self.merged = merged
        self.account = account

    def append(self, direction: Direction, kind: Kind, xml: str, **fields: Any) -> TrafficEntry:
        entry = super().append(direction, kind, xml, **fields)
        self.merged.take(self.account, entry)
        return entry

    def keep_secret(self, seq: int, original: str) -> None:
        super().keep_secret(seq, original)
        copy = self.merged.copy_seq(self.account, seq)
        if copy is not None:
            self.merged.keep_secret(copy, original)

    def mark_timed_out(
        self, direction: Direction, stanza_id: str, state: PairState = PairState.TIMED_OUT, account: str = ""
    ) -> None:
        super().mark_timed_out(direction, stanza_id, state)
        self.merged.mark_timed_out(direction, stanza_id, state, account=self.account)
