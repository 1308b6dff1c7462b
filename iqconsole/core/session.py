"""Session: everything XMPP a front end needs for one account, behind events it subscribes to.

The console's app, `iqconsole respond` (and later scripted sends and several accounts) all
drive a Session: it logs in and out, sends prepared stanzas and settles each request as a
`ReplyOutcome` (result, error, timed out, cancelled or lost), asks the server what it
announces after login, and lets the responders answer. After an unexpected loss it reconnects
by itself (with `reconnect`, see core/reconnect.py), resuming the stream-management session when
the server allows it: the client, its responders and its SM state stay the same object. It
knows nothing of any UI: a front end subscribes to `state_changed`, `pending_changed`,
`answered` and `features_found`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from enum import Enum
from xml.sax.saxutils import quoteattr

from iqconsole.core.account import Account
from iqconsole.core.client import (
    DEFAULT_REPLY_TIMEOUT,
    ConnectionFailure,
    ConnectionState,
    ConsoleStream,
    ReplyTimeout,
    StateChange,
    StreamManagement,
    console_stream,
)
from iqconsole.core.events import Listeners
from iqconsole.core.reconnect import Backoff, Reconnector, Retry, RetryPhase
from iqconsole.core.responders import Answer, ResponderSet
from iqconsole.core.server_features import DISCO_INFO, DISCO_ITEMS, ServerFeatures, parse_disco_info, parse_disco_items
from iqconsole.core.stanza import Outgoing, StanzaError, error_condition, prepare
from iqconsole.core.traffic import TrafficEntry, TrafficStore

__all__ = ["MAX_COMPONENTS", "Answered", "ReplyOutcome", "Sent", "Session", "Settled"]

MAX_COMPONENTS = 20  # disco#info is asked of at most this many of the server's items
LOGIN_TIMEOUT = 30.0


class Settled(str, Enum):
    """How a request stopped waiting."""

    RESULT = "result"
    ERROR = "error"
    TIMED_OUT = "timed out"
    CANCELLED = "cancelled"
    LOST = "lost"  # the connection ended first


@dataclass(frozen=True)
class ReplyOutcome:
    """The end of one request, with what a person wants to read about it."""

    stanza_id: str
    settled: Settled
    reply: TrafficEntry | None = None
    round_trip: float = 0.0  # seconds, when a reply came
    reason: str = ""  # why no reply came

    @property
    def answered(self) -> bool:
        return self.reply is not None

    def describe(self) -> str:
        if self.reply is None:
            return self.reason
        sender = self.reply.sender or "the server"
        took = f"from {sender} in {self.round_trip * 1000:.1f} ms"
        if self.settled is Settled.ERROR:
            return f"Error reply to {self.stanza_id} {took}: {error_condition(self.reply.xml)}"
        return f"Result for {self.stanza_id} {took}"


@dataclass(frozen=True)
class Sent:
    """What `send_all` did: how many went out, why the next did not, the requests' outcomes."""

    count: int
    error: StanzaError | None
    replies: tuple[asyncio.Future[ReplyOutcome], ...] = ()


@dataclass(frozen=True)
class Answered:
    """A request the responders took, and what they did with it."""

    request: TrafficEntry
    answer: Answer


class Session:
    """One account or component. Build it anywhere; `open()` must run inside the loop it will live on."""

    def __init__(
        self,
        account: Account,
        store: TrafficStore,
        responders: ResponderSet | None = None,
        *,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        discover: bool = False,
        stream_management: bool = False,
        reconnect: Backoff | None = None,
        automatic_presence: bool = True,
    ):
        """`discover`: ask the server and its components what they announce after each login;
        `stream_management`: enable XEP-0198 at login; `reconnect`: after an unexpected loss,
        try again on this schedule (None: stay disconnected); `automatic_presence`: say "available"
        at login and approve subscription requests (a conversation script does both itself)."""
        self.account = account
        self.store = store
        self.responders = responders if responders is not None else ResponderSet()
        self.reply_timeout = reply_timeout
        self.discover = discover
        self.stream_management = stream_management
        self.backoff = reconnect
        self.automatic_presence = automatic_presence
        self.client: ConsoleStream | None = None
        self._reconnector: Reconnector | None = None
        self._lost_because = ""  # why the connection was lost, while reconnecting
        self.state = ConnectionState.DISCONNECTED
        self.detail = ""  # the words that came with the last state change
        self.features: ServerFeatures | None = None
        self.pending: dict[str, float] = {}  # id -> monotonic deadline of each request sent with `send`
        self.state_changed: Listeners[StateChange] = Listeners()
        self.pending_changed: Listeners[None] = Listeners()
        self.answered: Listeners[Answered] = Listeners()
        self.features_found: Listeners[ServerFeatures] = Listeners()
        self._outcomes: dict[str, asyncio.Future[ReplyOutcome]] = {}
        self._discovery: asyncio.Task[None] | None = None

    # -- connection ------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.state is ConnectionState.ONLINE

    @property
    def stream_features(self) -> frozenset[str] | None:
        """The namespaces the server announced in its stream features (None: not connected yet)."""
        return self.client.stream_features if self.client is not None else None

    @property
    def sm(self) -> StreamManagement:
        """Stream management as it stands (all off before the first login)."""
        return self.client.stream_management if self.client is not None else StreamManagement()

    @property
    def reconnecting(self) -> bool:
        return self._reconnector is not None and self._reconnector.running

    @property
    def own_jid(self) -> str:
        """The bound full JID while online, else the account's JID."""
        if self.client is not None and self.online:
            return self.client.boundjid.full
        return self.account.jid

    async def open(self, timeout: float = LOGIN_TIMEOUT) -> None:
        """Connect and log in, leaving any earlier connection first. Never retries;
        ConnectionFailure says why it failed (also announced as a FAILED state change)."""
        await self._leave()
        self.features = None
        self.client = console_stream(
            self.account,
            self.store,
            responders=self.responders,
            on_state=self._state_changed,
            on_answered=self._answered,
            stream_management=self.stream_management,
            automatic_presence=self.automatic_presence,
        )
        if self.backoff is not None:
            reconnector = Reconnector(
                self._attempt, lambda retry: self._retry_changed(reconnector, retry), self.backoff
            )
            self._reconnector = reconnector
        await self.client.start_session(timeout)

    async def close(self) -> None:
        """Leave cleanly; the requests still waiting end as cancelled. Silent: whoever
        closes knows, so no state change is announced."""
        await self._leave()
        self.state = ConnectionState.DISCONNECTED
        self.detail = ""

    async def _leave(self) -> None:
        reconnector, self._reconnector = self._reconnector, None  # first: its last word goes unheard
        if reconnector is not None:
            reconnector.stop()
        if self._discovery is not None:
            self._discovery.cancel()
            self._discovery = None
        client, self.client = self.client, None
        if client is not None:
            await client.close()

    def _state_changed(self, change: StateChange) -> None:
        reconnector = self._reconnector
        if change.state is ConnectionState.DISCONNECTED and reconnector is not None and self._may_reconnect():
            self._lost_because = change.message.removeprefix("disconnected: ")
            reconnector.start()  # its countdown is announced as RECONNECTING instead
            return
        if change.state is ConnectionState.DISCONNECTED and self.client is not None:
            self.client.end_carried_requests()  # nobody will resume them
        self.state, self.detail = change.state, change.message
        if (
            change.state is ConnectionState.ONLINE
            and self.discover
            and not change.resumed
            and not self.account.component
        ):
            self._discovery = asyncio.ensure_future(self._discover())
        self.state_changed.emit(change)

    # -- reconnecting ----------------------------------------------------------------------

    def _may_reconnect(self) -> bool:
        return self.client is not None and self.client.may_reconnect

    def stop_reconnecting(self) -> bool:
        """Stop the countdown and the attempts (the session stays disconnected); True if it was on."""
        return self._reconnector is not None and self._reconnector.stop()

    def reconnect_now(self) -> None:
        """The server is back (the user restarted it): attempt now rather than after the delay."""
        if self._reconnector is not None:
            self._reconnector.hurry()

    async def _attempt(self) -> str | None:
        """One reconnect attempt with the same client (so an SM session can be resumed)."""
        if self.client is None:
            return "closed"
        try:
            await self.client.start_session(LOGIN_TIMEOUT, announce=False)
        except ConnectionFailure as failure:
            return str(failure)
        return None

    def _retry_changed(self, reconnector: Reconnector, retry: Retry) -> None:
        if reconnector is not self._reconnector or retry.phase is RetryPhase.DONE:
            return  # closed (whoever closes knows), or online: the client announced it already
        if retry.phase is RetryPhase.STOPPED:
            if self.client is not None:
                self.client.end_carried_requests()
            self._state_changed_to(ConnectionState.DISCONNECTED, "disconnected: reconnecting stopped")
            return
        self._state_changed_to(ConnectionState.RECONNECTING, f"{retry.describe()} · lost: {self._lost_because}")

    def _state_changed_to(self, state: ConnectionState, message: str) -> None:
        self.state, self.detail = state, message
        self.state_changed.emit(StateChange(state, message))

    def _answered(self, request: TrafficEntry, answer: Answer) -> None:
        self.answered.emit(Answered(request, answer))

    # -- sending ---------------------------------------------------------------------------

    def send(self, outgoing: Outgoing, timeout: float | None = None) -> asyncio.Future[ReplyOutcome] | None:
        """Queue one prepared stanza. For an IQ get/set, listed in `pending` until it settles,
        return the future of its outcome (it never raises). StanzaError when it cannot go."""
        return self._send(outgoing, timeout or self.reply_timeout, listed=True)

    def send_all(self, stanzas: tuple[Outgoing, ...] | list[Outgoing], timeout: float | None = None) -> Sent:
        """Send in order; stop at the first that cannot go (the ones before it are out)."""
        replies: list[asyncio.Future[ReplyOutcome]] = []
        for count, outgoing in enumerate(stanzas):
            try:
                reply = self.send(outgoing, timeout)
            except StanzaError as error:
                return Sent(count, error, tuple(replies))
            if reply is not None:
                replies.append(reply)
        return Sent(len(stanzas), None, tuple(replies))

    async def request(self, outgoing: Outgoing, timeout: float | None = None) -> ReplyOutcome:
        """Send a get/set and wait for how it ends (not listed in `pending`: the session's own)."""
        outcome = self._send(outgoing, timeout or self.reply_timeout, listed=False)
        if outcome is None:
            raise StanzaError("only an <iq> get or set waits for a reply")
        return await outcome

    def _send(self, outgoing: Outgoing, timeout: float, listed: bool) -> asyncio.Future[ReplyOutcome] | None:
        if self.client is None or not self.online:
            raise StanzaError(f"not connected ({self.state.value}): nothing was sent")
        reply = self.client.send_outgoing(outgoing, timeout)
        if reply is None:
            return None
        stanza_id = outgoing.element.get("id", "")
        outcome: asyncio.Future[ReplyOutcome] = asyncio.get_running_loop().create_future()
        reply.add_done_callback(lambda done: self._settle(stanza_id, done, outcome))
        if listed:
            self.pending[stanza_id] = time.monotonic() + timeout
            self._outcomes[stanza_id] = outcome
            self.pending_changed.emit(None)
        return outcome

    def _settle(
        self, stanza_id: str, reply: asyncio.Future[TrafficEntry], outcome: asyncio.Future[ReplyOutcome]
    ) -> None:
        self._unlist(stanza_id, outcome)
        if not outcome.done():
            outcome.set_result(self._outcome_of(stanza_id, reply))

    def _unlist(self, stanza_id: str, outcome: asyncio.Future[ReplyOutcome] | None = None) -> None:
        """Take a request out of `pending` (only `outcome`'s, when given: an id can be reused)."""
        if stanza_id in self._outcomes and outcome in (None, self._outcomes[stanza_id]):
            del self._outcomes[stanza_id]
            del self.pending[stanza_id]
            self.pending_changed.emit(None)

    def _outcome_of(self, stanza_id: str, reply: asyncio.Future[TrafficEntry]) -> ReplyOutcome:
        if reply.cancelled():
            return ReplyOutcome(stanza_id, Settled.CANCELLED, reason=f"Stopped waiting for {stanza_id} (cancelled)")
        error = reply.exception()
        if isinstance(error, ReplyTimeout):
            reason = f"No reply to {stanza_id} within {error.timeout:g} s (timed out)"
            return ReplyOutcome(stanza_id, Settled.TIMED_OUT, reason=reason)
        if error is not None:
            return ReplyOutcome(stanza_id, Settled.LOST, reason=str(error))
        entry = reply.result()
        pairing = self.store.pairing_of(entry)
        round_trip = pairing.round_trip if pairing is not None and pairing.round_trip is not None else 0.0
        settled = Settled.ERROR if entry.type == "error" else Settled.RESULT
        return ReplyOutcome(stanza_id, settled, entry, round_trip)

    def cancel(self, stanza_id: str) -> None:
        """Stop waiting for one request (a late reply still pairs in the log)."""
        self._unlist(stanza_id)
        if self.client is not None:
            self.client.cancel_wait(stanza_id)

    def cancel_all(self) -> list[str]:
        """Stop waiting for every request in `pending`; return their ids."""
        cancelled = list(self.pending)
        for stanza_id in cancelled:
            self.cancel(stanza_id)
        return cancelled

    # -- discovery -------------------------------------------------------------------------

    async def _discover(self) -> None:
        """disco#info and disco#items of the server, disco#info of each item, then of the account."""
        features = ServerFeatures()
        domain = self.client.boundjid.domain if self.client is not None else self.account.domain
        info = await self._ask(DISCO_INFO, domain)
        with contextlib.suppress(ValueError):  # no answer or an error: nothing announced
            features.add(parse_disco_info(info, domain))
        try:
            components = parse_disco_items(await self._ask(DISCO_ITEMS, domain))
        except ValueError:
            components = []
        for component in components[:MAX_COMPONENTS]:
            with contextlib.suppress(ValueError):
                features.add(parse_disco_info(await self._ask(DISCO_INFO, component), component))
        bare = self.client.boundjid.bare if self.client is not None else self.account.jid.partition("/")[0]
        with contextlib.suppress(ValueError):
            features.account = parse_disco_info(await self._ask(DISCO_INFO, bare), bare)
        self.features = features
        self.features_found.emit(features)

    async def _ask(self, namespace: str, jid: str) -> str:
        """The reply's XML, or '' when none came (or the JID is not valid, or the session ended)."""
        try:
            (outgoing,) = prepare(f"<iq type='get' to={quoteattr(jid)}><query xmlns={quoteattr(namespace)}/></iq>")
            outcome = await self.request(outgoing)
        except StanzaError:
            return ""
        return outcome.reply.xml if outcome.reply is not None else ""
