"""The record of every stanza in and out: entries never changed once made, in a bounded, cheap-to-append store.

Appending does no rendering: the UI highlights only the entries on screen. Counters never
reset, so the status bar stays true after the ring drops its oldest entries.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from iqconsole.core.events import Listeners

# The vocabulary lives in protocol; its names stay importable from here for the traffic's users.
from iqconsole.core.protocol import CLIENT_NS, REPLY_TYPES, REQUEST_TYPES, STANZAS_NS, Kind, kind_of

__all__ = [
    "CLIENT_NS",
    "DEFAULT_CAPACITY",
    "STANZAS_NS",
    "Direction",
    "Kind",
    "PairState",
    "Pairing",
    "TrafficEntry",
    "TrafficStore",
    "kind_of",
]

DEFAULT_CAPACITY = 100_000


class Direction(str, Enum):
    IN = "in"
    OUT = "out"


@dataclass(slots=True)
class TrafficEntry:
    """One stanza (or stream-level element) as it crossed the wire, secrets already hidden.
    Never changed once recorded; not frozen only because a frozen dataclass costs five times as
    much to make, and a flood makes one per stanza."""

    seq: int
    direction: Direction
    monotonic: float
    wall: float
    kind: Kind
    xml: str
    tag: str = ""
    stanza_id: str = ""
    sender: str = ""
    recipient: str = ""
    type: str = ""
    namespace: str = ""
    redacted: bool = False
    responder: str = ""
    account: str = ""  # whose traffic, in a console with several accounts (see core/merged_traffic.py)

    @property
    def size(self) -> int:
        return len(self.xml)

    @property
    def is_request(self) -> bool:
        return self.kind is Kind.IQ and self.type in REQUEST_TYPES

    @property
    def is_reply(self) -> bool:
        return self.kind is Kind.IQ and self.type in REPLY_TYPES


class PairState(str, Enum):
    PENDING = "pending"
    ANSWERED = "answered"
    ERROR = "error"
    TIMED_OUT = "timed out"
    CANCELLED = "cancelled"
    LOST = "connection lost"  # the connection ended (and was not resumed) before the reply came


# Requests that stopped waiting; a reply may still come, and is then paired as late.
GAVE_UP_STATES = (PairState.TIMED_OUT, PairState.CANCELLED, PairState.LOST)


@dataclass(slots=True)
class Pairing:
    """What happened to one IQ request: its reply, round-trip time, or timeout."""

    request: TrafficEntry
    state: PairState = PairState.PENDING
    reply: TrafficEntry | None = None
    gave_up: PairState | None = None  # timed out or cancelled, even when a reply came later

    @property
    def late(self) -> bool:
        """The reply came after the request timed out or was cancelled."""
        return self.reply is not None and self.gave_up is not None

    @property
    def round_trip(self) -> float | None:
        if self.reply is None:
            return None
        return self.reply.monotonic - self.request.monotonic


def _peer_forms(jid: str) -> set[str]:
    """The forms a reply's sender may take for a request sent to `jid`: full, bare, domain."""
    if not jid:
        return {""}
    bare = jid.split("/", 1)[0]
    domain = bare.split("@", 1)[-1]
    return {jid.lower(), bare.lower(), domain.lower()}


@dataclass
class TrafficStore:
    """A bounded ring of entries plus request/reply pairing and never-resetting counters.

    `changed` is emitted after every append and every request that stops waiting, so views
    redraw when something happened instead of polling."""

    capacity: int = DEFAULT_CAPACITY
    own_jid: str = ""
    entries: deque[TrafficEntry] = field(init=False)
    count_in: int = 0
    count_out: int = 0
    dropped: int = 0
    skipped: int = 0  # stanzas from the server read but not taken in (over a limit, or unhandleable)
    pairings: dict[int, Pairing] = field(default_factory=dict)
    _pending: dict[str, Pairing] = field(default_factory=dict)
    _reply_of: dict[int, int] = field(default_factory=dict)
    _secrets: dict[int, str] = field(default_factory=dict, repr=False)
    _waiting_out: set[int] = field(default_factory=set)  # our requests still pending, by seq
    _next_seq: int = 0
    changed: Listeners[None] = field(default_factory=Listeners, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.entries = deque(maxlen=self.capacity)

    @property
    def total(self) -> int:
        """How many entries were ever appended (in + out); the ring holds the last `capacity`."""
        return self._next_seq

    @property
    def first_seq(self) -> int:
        return self._next_seq - len(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[TrafficEntry]:
        return iter(self.entries)

    def __getitem__(self, index: int) -> TrafficEntry:
        return self.entries[index]

    def by_seq(self, seq: int) -> TrafficEntry | None:
        index = seq - self.first_seq
        if 0 <= index < len(self.entries):
            return self.entries[index]
        return None

    def append(
        self,
        direction: Direction,
        kind: Kind,
        xml: str,
        *,
        tag: str = "",
        stanza_id: str = "",
        sender: str = "",
        recipient: str = "",
        type: str = "",
        namespace: str = "",
        redacted: bool = False,
        responder: str = "",
        at: tuple[float, float] | None = None,
        account: str = "",
    ) -> TrafficEntry:
        """Record a stanza now, or at `at` = (monotonic, wall) for recorded traffic."""
        monotonic, wall = at if at is not None else (time.monotonic(), time.time())
        entry = TrafficEntry(
            self._next_seq,
            direction,
            monotonic,
            wall,
            kind,
            xml,
            tag,
            stanza_id,
            sender,
            recipient,
            type,
            namespace,
            redacted,
            responder,
            account,
        )
        self._next_seq += 1
        if len(self.entries) == self.capacity:
            self._forget(self.entries[0])
            self.dropped += 1
        self.entries.append(entry)
        if kind is not Kind.NOTICE:  # the console's own words are not traffic in or out
            if direction is Direction.IN:
                self.count_in += 1
            else:
                self.count_out += 1
        if kind is Kind.IQ and stanza_id:
            self._pair(entry)
        self.changed.emit(None)
        return entry

    def append_copy(self, entry: TrafficEntry, account: str | None = None) -> TrafficEntry:
        """`entry` (read back from a file, or another store's) recorded here at its own time,
        as `account`'s traffic when given."""
        return self.append(
            entry.direction,
            entry.kind,
            entry.xml,
            tag=entry.tag,
            stanza_id=entry.stanza_id,
            sender=entry.sender,
            recipient=entry.recipient,
            type=entry.type,
            namespace=entry.namespace,
            redacted=entry.redacted,
            responder=entry.responder,
            at=(entry.monotonic, entry.wall),
            account=entry.account if account is None else account,
        )

    def notice(self, text: str, tag: str) -> TrafficEntry:
        """A line in the log from the console itself (`tag` says what kind: skipped, closed, …)."""
        return self.append(Direction.IN, Kind.NOTICE, text, tag=tag)

    # -- pairing ---------------------------------------------------------------------------

    def _pair(self, entry: TrafficEntry) -> None:
        if entry.is_request:
            key = self._pending_key(entry.direction, entry.stanza_id, entry.account)
            waiting = self._pending.get(key)
            if entry.direction is Direction.OUT and waiting is not None and waiting.state is PairState.PENDING:
                return  # sent again (stream management resends after a resumption): the first still waits
            request_pairing = Pairing(entry)
            self.pairings[entry.seq] = request_pairing
            self._pending[key] = request_pairing
            if entry.direction is Direction.OUT:
                self._waiting_out.add(entry.seq)
            return
        if not entry.is_reply:
            return
        # A reply travels the other way from its request.
        request_direction = Direction.OUT if entry.direction is Direction.IN else Direction.IN
        key = self._pending_key(request_direction, entry.stanza_id, entry.account)
        pairing = self._pending.get(key)
        if pairing is None or not self._reply_matches(pairing.request, entry):
            return
        del self._pending[key]
        self._waiting_out.discard(pairing.request.seq)
        pairing.reply = entry
        pairing.state = PairState.ERROR if entry.type == "error" else PairState.ANSWERED
        self._reply_of[entry.seq] = pairing.request.seq

    @staticmethod
    def _pending_key(direction: Direction, stanza_id: str, account: str = "") -> str:
        """One account's request and another's with the same id never pair with each other's reply."""
        return f"{account}:{direction.value}:{stanza_id}" if account else f"{direction.value}:{stanza_id}"

    def _reply_matches(self, request: TrafficEntry, reply: TrafficEntry) -> bool:
        """Ids match and the reply comes from the entity asked: its bare, full or domain JID
        (servers vary). No `from` means the account's own server (RFC 6120 §8.1.2.1), so it
        answers only a request with no `to`, or to our own bare JID or server."""
        if request.direction is Direction.OUT:
            peer, answerer = request.recipient.lower(), reply.sender.lower()
            own = self.own_jid_of(request.account)
        else:
            peer, answerer = request.sender.lower(), reply.recipient.lower()
            own = ""
        own_bare = own.split("/", 1)[0].lower()
        own_server = own_bare.split("@", 1)[-1]
        if not answerer:
            return peer in ("", own_bare, own_server)
        if not peer:
            return bool(own) and answerer in _peer_forms(own)
        return answerer in _peer_forms(peer)

    def own_jid_of(self, account: str) -> str:
        """The JID the traffic of `account` is sent as (a store of one account: its own)."""
        return self.own_jid

    def keep_secret(self, seq: int, original: str) -> None:
        """The unredacted text of a redacted entry, in memory only, for the detail pane's
        explicit "show secrets" toggle; it is never exported, copied or logged."""
        self._secrets[seq] = original

    def secret_of(self, entry: TrafficEntry) -> str | None:
        return self._secrets.get(entry.seq)

    def mark_timed_out(
        self, direction: Direction, stanza_id: str, state: PairState = PairState.TIMED_OUT, account: str = ""
    ) -> None:
        """Stop waiting (timed out, or cancelled by the user); a late reply still pairs."""
        pairing = self._pending.get(self._pending_key(direction, stanza_id, account))
        if pairing is not None and pairing.state is PairState.PENDING:
            pairing.state = pairing.gave_up = state
            self._waiting_out.discard(pairing.request.seq)
            self.changed.emit(None)

    def pairing_of(self, entry: TrafficEntry) -> Pairing | None:
        """The pairing a request or a reply belongs to."""
        request_seq = self._reply_of.get(entry.seq, entry.seq)
        return self.pairings.get(request_seq)

    @property
    def pending_out(self) -> int:
        """Requests we sent that still wait for their reply."""
        return len(self._waiting_out)

    def _forget(self, entry: TrafficEntry) -> None:
        pairing = self.pairings.pop(entry.seq, None)
        key = self._pending_key(entry.direction, entry.stanza_id, entry.account)
        if pairing is not None and self._pending.get(key) is pairing:
            del self._pending[key]
        self._reply_of.pop(entry.seq, None)
        self._secrets.pop(entry.seq, None)
        self._waiting_out.discard(entry.seq)
