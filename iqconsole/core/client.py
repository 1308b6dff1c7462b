"""ConsoleClient (an account) and ComponentClient (XEP-0114): slixmpp on the app's own loop,
with a complete traffic tap and reply tracking (ConsoleStream, what both share).

- Outgoing traffic is captured in `send_raw`, which sees everything that reaches the socket
  (stream headers, SASL, keepalives), not only stanzas; incoming traffic in the first `in`
  filter, serialized at once because handlers mutate stanza objects.
- Replies to the user's IQs are tracked with one id→future map, not `Iq.send`, which loses
  error replies with conditions slixmpp does not know (e.g. policy-violation).
- No slixmpp plugin that answers IQs is loaded, so nothing answers behind the user's back;
  responders run in an `in` filter and swallow what they answer, so each request gets exactly
  one reply. The one plugin is stream management (XEP-0198), which answers the server's `<r/>`
  once SM is on (enabled at login when asked for, or by the user's own `<enable/>`) and resumes
  the SM session after a loss; the console asks for an ack after each burst it sends.
- The server is not trusted: its stream is read by StreamReader, one stanza at a time within the
  account's limits, and each stanza is handled on its own, so one that cannot be handled is
  skipped with a notice in the log instead of stopping all reading. When the stream must end,
  the reason is said (status and log), and a redirect is reported, never followed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import logging
import ssl
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import slixmpp
from slixmpp import ComponentXMPP, Iq, Message, Presence
from slixmpp.basexmpp import BaseXMPP
from slixmpp.plugins.xep_0198 import stanza as sm_stanza
from slixmpp.plugins.xep_0198.stream_management import MAX_SEQ, XEP_0198
from slixmpp.stanza import StreamError
from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler.base import BaseHandler
from slixmpp.xmlstream.tostring import tostring
from slixmpp.xmlstream.xmlstream import NotConnectedError

from iqconsole.core.account import Account
from iqconsole.core.freed_memory import HUGE_STANZA_BYTES, release_freed_memory
from iqconsole.core.login_failure import SaslRefusal, describe_login_failure, read_sasl_failure
from iqconsole.core.protocol import CLIENT_NS, COMPONENT_NS, STANZA_KINDS, STREAM_NS, Kind, kind_of
from iqconsole.core.redact import redact
from iqconsole.core.responders import Answer, ResponderSet
from iqconsole.core.sent_names import StanzaNames, names_as_written, names_of
from iqconsole.core.settings import DEFAULT_REPLY_TIMEOUT
from iqconsole.core.stanza import Outgoing, StanzaError, split_tag
from iqconsole.core.stanza_plugins import register_iq_payloads
from iqconsole.core.stanza_text import escape_markup, stanza_text
from iqconsole.core.stream_errors import RECONNECT_AFTER, STREAMS_NS, Redirect, read_stream_error, shorten
from iqconsole.core.stream_reader import SkippedStanza, StreamReader, StreamRefused
from iqconsole.core.tag_matcher import with_tag_matcher
from iqconsole.core.traffic import Direction, PairState, TrafficEntry, TrafficStore

READ_SLICE = 4096  # bytes parsed per turn of the loop (about 30 small stanzas); a key needs several turns
RELEASE_DELAY = 1.0  # seconds after a huge stanza before freed memory is handed back
_STANZA_CLASSES = {Kind.IQ: Iq, Kind.MESSAGE: Message, Kind.PRESENCE: Presence}
_KNOWN_PREFIXES = {"http://www.w3.org/XML/1998/namespace"}
_STREAM_TAG = f"{{{STREAM_NS}}}stream"
_PROCEED_TAG = "{urn:ietf:params:xml:ns:xmpp-tls}proceed"
_FEATURES_TAG = f"{{{STREAM_NS}}}features"
# The user's own SM nonzas go out as the plugin's classes, so it knows SM was asked for.
_SM_CLASSES = {
    f"{{{sm_stanza.Enable.namespace}}}enable": sm_stanza.Enable,
    f"{{{sm_stanza.Resume.namespace}}}resume": sm_stanza.Resume,
}
_NEVER = 2**31  # xep_0198's own ack requests (one per `window` stanzas, sent before the stanza) are off

logging.getLogger("slixmpp").addHandler(logging.NullHandler())
_TOSTRING_MODULE = importlib.import_module("slixmpp.xmlstream.tostring")  # the package's name is the function
_SLIXMPP_ESCAPE: Callable[[str, bool], str] = getattr(_TOSTRING_MODULE, "escape")  # noqa: B009 (untyped module)


def escape_text(text: str, use_cdata: bool = False) -> str:
    """slixmpp's `escape`, in linear C time: the original joins a generator one character at a
    time, so serializing a 10 MB text froze the screen for a second (50 MB: 5.7 s). Same output."""
    if use_cdata:
        return _SLIXMPP_ESCAPE(text, True)
    return escape_markup(text)


setattr(_TOSTRING_MODULE, "escape", escape_text)  # noqa: B010 (untyped module); used by every tostring: capture, display, sending


class ConnectionState(str, Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    ONLINE = "online"
    FAILED = "failed"
    RECONNECTING = "reconnecting"  # lost unexpectedly; the session tries again (see core/reconnect.py)


class ConnectionFailure(RuntimeError):
    """Why logging in failed, worded for the user; `redirect` when the server sent us elsewhere."""

    def __init__(self, message: str, redirect: Redirect | None = None):
        super().__init__(message)
        self.redirect = redirect


class ReplyTimeout(TimeoutError):
    def __init__(self, stanza_id: str, timeout: float):
        super().__init__(f"no reply to {stanza_id} after {timeout:g} s")
        self.stanza_id = stanza_id
        self.timeout = timeout


@dataclass(frozen=True)
class StateChange:
    """`redirect`: the server asked to connect elsewhere (see-other-host); only the user may go.
    `resumed`: online again in the same stream-management session (nothing was lost)."""

    state: ConnectionState
    message: str = ""
    redirect: Redirect | None = None
    resumed: bool = False


@dataclass(frozen=True)
class StreamManagement:
    """XEP-0198 as the status bar shows it."""

    enabled: bool = False
    resumable: bool = False  # the server gave an SM id: a lost connection can be resumed
    unacked: int = 0  # stanzas sent that the server has not acknowledged yet

    def describe(self) -> str:
        if not self.enabled:
            return "SM resumable (offline)" if self.resumable else ""
        return f"SM {'resumable' if self.resumable else 'on'} · unacked {self.unacked}"


class ConsoleStream(BaseXMPP):
    """What the console does with any stream it logs in on: tap, reading, responders, reply
    tracking. A client account (ConsoleClient) or an external component (ComponentClient) adds
    its own slixmpp base. Create it inside the running loop (slixmpp binds its loop at construction)."""

    authenticated = True  # ClientXMPP's SASL state; a component's stream never negotiates features

    def __init__(
        self,
        account: Account,
        store: TrafficStore,
        responders: ResponderSet | None = None,
        on_state: Callable[[StateChange], None] | None = None,
        on_answered: Callable[[TrafficEntry, Answer], None] | None = None,
        *,
        stream_management: bool = False,
        automatic_presence: bool = True,
    ):
        """`stream_management`: enable XEP-0198 at each login (without it, only when the user
        sends `<enable/>`); `automatic_presence`: send `<presence/>` after each login and
        approve subscription requests (slixmpp's manners; a conversation script does both itself)."""
        self._start_xmpp(account)
        register_iq_payloads()
        self.account = account
        self.automatic_presence = automatic_presence
        if not automatic_presence:
            self.auto_authorize = None  # None: neither approve nor refuse, leave it to whoever drives
            self.auto_subscribe = False
        self.store = store
        self.responders = responders if responders is not None else ResponderSet()
        self.on_state = on_state
        self.on_answered = on_answered
        self.state = ConnectionState.DISCONNECTED
        # The namespaces of the last <stream:features> (None before any): what the stream accepts.
        self.stream_features: frozenset[str] | None = None
        self._waiting: dict[str, tuple[asyncio.Future[TrafficEntry], asyncio.TimerHandle]] = {}
        self.enable_direct_tls = account.direct_tls
        if account.ca_file is not None:
            self.ca_certs = account.ca_file
        if account.insecure:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        self._responder_replies: dict[str, str] = {}
        self._sending: tuple[str, ET.Element] | None = None  # slixmpp's last text of a stanza, and the stanza
        self._delayed: set[asyncio.TimerHandle] = set()
        self._reader: StreamReader | None = None
        self._memory_release: asyncio.TimerHandle | None = None
        self._end_reason = ""  # why the stream ended, when we know better than "disconnected"
        self._redirect: Redirect | None = None
        self._sasl_refusal: SaslRefusal | None = None  # the server's last SASL <failure/> of this login
        self._was_online = False  # a later ONLINE is "online again"
        self.may_reconnect = True  # False when the stream ended in a way trying again would repeat
        self._ack_asked = False
        self.add_filter("in", self._capture_incoming)  # first: it records before anything is swallowed
        self.register_plugin("xep_0198", {"window": _NEVER})
        self.sm: XEP_0198 = self.plugin["xep_0198"]
        self._set_up_stream_management(stream_management)
        self.add_event_handler("session_start", self._on_session_start)
        self.add_event_handler("session_resumed", self._on_session_resumed)
        self.add_event_handler("disconnected", self._on_disconnected)

    # -- connection ------------------------------------------------------------------------

    async def start_session(self, timeout: float = 30.0, *, announce: bool = True) -> None:
        """Connect and log in (or resume the SM session); raise ConnectionFailure with a clear
        reason. Never retries. `announce=False` (a reconnect attempt): no CONNECTING or FAILED
        state, only the exception."""
        outcome: asyncio.Future[None] = self.loop.create_future()

        def fail(message: str) -> None:
            if not outcome.done():
                outcome.set_exception(ConnectionFailure(message, self._redirect))

        def succeed(_: object) -> None:
            if not outcome.done():
                outcome.set_result(None)

        handlers = {
            "session_start": succeed,
            "session_resumed": succeed,
            "connection_failed": lambda error: fail(describe_connection_error(error, self.account)),
            "failed_auth": self._remember_refusal,
            "failed_all_auth": lambda _: fail(self._login_failure(self.plugin["feature_mechanisms"].mech_list)),
            # the features were all handled and none was SASL: nothing will ever log in
            "stream_negotiated": lambda _: None if self.authenticated else fail(self._login_failure(None)),
            "ssl_invalid_chain": lambda error: fail(describe_connection_error(error, self.account)),
            "stream_error": lambda _error: fail(self._end_reason),
            "disconnected": lambda reason: fail(
                self._end_reason
                or (
                    describe_connection_error(reason, self.account)
                    if _is_certificate_failure(reason)
                    else "The server closed the connection before the session started"
                    + (f": {reason}" if reason else ".")
                )
            ),
        }
        for event, handler in handlers.items():
            self.add_event_handler(event, handler)
        self._end_reason, self._redirect, self._sasl_refusal = "", None, None
        self.may_reconnect = True
        if announce:
            self._set_state(ConnectionState.CONNECTING, f"connecting to {self.account.address}")
        try:
            if self.account.host:
                self.connect(self.account.host, self.account.port or 5222)
            else:
                self.connect()
            await asyncio.wait_for(outcome, timeout)
        except TimeoutError:
            self._give_up()
            message = f"No session after {timeout:g} s with {self.account.address}."
            if announce:
                self._set_state(ConnectionState.FAILED, message)
            raise ConnectionFailure(message) from None
        except ConnectionFailure as failure:
            self._give_up()
            if announce:
                self._set_state(ConnectionState.FAILED, str(failure))
            raise
        except asyncio.CancelledError:  # stopped by its owner (reconnecting stopped): no half-made session
            self._give_up()
            raise
        finally:
            for event, handler in handlers.items():
                self.del_event_handler(event, handler)

    def _remember_refusal(self, failure: StanzaBase) -> None:
        self._sasl_refusal = read_sasl_failure(failure.xml)

    def _login_failure(self, offered: Collection[str] | None) -> str:
        """Why no login happened: the server's refusal, or why the console never tried.
        `offered`: the server's SASL mechanisms (None: it offered no SASL at all)."""
        transport = self.transport
        return describe_login_failure(
            self.account.jid,
            self.account.address,
            encrypted=transport is not None and transport.get_extra_info("ssl_object") is not None,
            offered=offered,
            refusal=self._sasl_refusal,
        )

    def _start_xmpp(self, account: Account) -> None:
        """Initialise the slixmpp base class for `account`."""
        raise NotImplementedError

    def _set_up_stream_management(self, at_login: bool) -> None:
        """What XEP-0198 does on this kind of stream (`at_login`: enable it at each login)."""
        raise NotImplementedError

    def _greet(self) -> None:
        """What goes out first once the session has started."""

    @property
    def stream_management(self) -> StreamManagement:
        sm = self.sm
        return StreamManagement(
            enabled=sm.enabled_in,
            resumable=bool(sm.sm_id) and sm.allow_resume,
            unacked=len(sm.unacked_queue),
        )

    def _give_up(self) -> None:
        """Stop slixmpp's endless retries so the user decides what happens next."""
        self.cancel_connection_attempt()
        self.abort()

    async def close(self) -> None:
        """Leave cleanly: close the stream, fail pending replies, stop retries. Silent: the
        owner asked for it, so no state change is reported."""
        self.on_state = None
        self.state = ConnectionState.DISCONNECTED  # asked for: no "disconnected" notice follows
        for handle in self._delayed:  # delayed responder replies die with the session
            handle.cancel()
        self._delayed.clear()
        if self._memory_release is not None:
            self._memory_release.cancel()
            self._memory_release = None
        self._responder_replies.clear()
        self.cancel_connection_attempt()
        if self.transport is not None:
            await self.disconnect(wait=1.0)
        self._fail_waiting("disconnected")

    def _on_session_start(self, _event: object) -> None:
        self.store.own_jid = str(self.boundjid)
        self.end_carried_requests()  # a new session: what waited over the loss will not be answered
        if self._was_online:
            self.store.notice(f"online again {_clock()}: new session", "online-again")
        self._was_online = True
        self._set_state(ConnectionState.ONLINE, f"online as {self.boundjid}")
        if self.automatic_presence:
            self._greet()

    def _on_session_resumed(self, _event: object) -> None:
        """The same SM session: requests carried over the loss still wait for their replies."""
        self._start_keepalive(None)  # slixmpp starts it on session_start only
        self.store.notice(f"online again {_clock()}: resumed", "online-again")
        self._set_state(ConnectionState.ONLINE, f"online as {self.boundjid} (resumed)", resumed=True)

    def _on_disconnected(self, reason: object) -> None:
        """An unexpected loss: a marker row in the log; the requests waiting end as lost,
        unless the SM session can be resumed (then they wait on, see end_carried_requests)."""
        if self.state is not ConnectionState.ONLINE:
            return
        why = self._end_reason or _loss_reason(reason)
        self.store.notice(f"connection lost {_clock()}: {why}", "connection-lost")
        if not self.stream_management.resumable:
            self._fail_waiting("connection lost", PairState.LOST)
        self._set_state(ConnectionState.DISCONNECTED, f"disconnected: {why}")

    def end_carried_requests(self) -> None:
        """The requests that waited over a loss end as "connection lost" (it was not resumed).
        Called only while offline, when nothing new can have been sent: all that waits was carried."""
        self._fail_waiting("connection lost", PairState.LOST)

    def _set_state(self, state: ConnectionState, message: str, *, resumed: bool = False) -> None:
        """Report the new state; a failed login is also written in the log, with its reason."""
        self.state = state
        if state is ConnectionState.FAILED and message:
            self.store.notice(message, state.value)
        if self.on_state is not None:
            self.on_state(StateChange(state, message, self._redirect, resumed))

    @property
    def online(self) -> bool:
        return self.state is ConnectionState.ONLINE

    # -- reading the server's stream --------------------------------------------------------

    def init_parser(self) -> None:
        """Each new stream (connect, STARTTLS, SASL success) gets its own reader; the old one
        reads nothing more, so bytes sent after <success/> are not taken for the new stream."""
        if self._reader is not None:
            self._reader.stop()
        self.xml_depth = 0
        self.xml_root = None
        self._reader = StreamReader(self, self.account.limits)

    def data_received(self, data: bytes | str) -> None:
        """Read in slices, yielding to the loop between them.

        A TLS read under a flood can hold ~1,300 stanzas; parsed in one go it blocks the loop
        (and every keypress) for hundreds of milliseconds. Reading pauses until all is parsed,
        so stanzas keep their order; it resumes whatever a slice did.
        """
        reader = self._reader
        transport = self.transport
        if reader is None or transport is None:
            return
        raw = data.encode() if isinstance(data, str) else data
        if len(raw) <= READ_SLICE:
            self._read(reader, raw)
            return
        transport.pause_reading()
        slices = [raw[start : start + READ_SLICE] for start in range(0, len(raw), READ_SLICE)]

        def feed(index: int) -> None:
            if self.transport is not transport:  # the connection was lost or restarted
                return
            self._read(reader, slices[index])
            if index + 1 < len(slices):
                self.loop.call_soon(feed, index + 1)
            elif self.transport is transport:
                transport.resume_reading()

        feed(0)

    def _read(self, reader: StreamReader, data: bytes) -> None:
        """Feed the reader; what it cannot read ends the stream, with the reason said."""
        try:
            reader.feed(data)
        except StreamRefused as refusal:
            self._refuse_stream(refusal)
        except Exception as error:  # a defect here must not leave a connection that no longer reads
            logging.getLogger(__name__).exception("reading the stream failed")
            self._refuse_stream(StreamRefused("undefined-condition", f"iqconsole could not read the stream: {error!r}"))

    def _refuse_stream(self, refusal: StreamRefused) -> None:
        """Send the stream error (RFC 6120 §4.9) and close the connection."""
        self._end_reason = f"iqconsole closed the stream ({refusal.condition}): {refusal.text}"
        self.may_reconnect = False
        error = (
            f"<stream:error><{refusal.condition} xmlns='{STREAMS_NS}'/>"
            f"<text xmlns='{STREAMS_NS}'>{escape(refusal.text)}</text></stream:error></stream:stream>"
        )
        with contextlib.suppress(NotConnectedError):
            self.send_raw(error)
        self.abort()

    def connection_lost(self, exception: BaseException | None) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and reader.partial and not self._end_reason:
            self._end_reason = (
                f"the connection closed in the middle of a stanza "
                f"(<{shorten(reader.partial_tag, 40)}>, {reader.partial:,} bytes received)"
            )
        super().connection_lost(exception)

    # StreamSink: what the reader found

    def stream_opened(self, root: ET.Element) -> None:
        if root.tag != _STREAM_TAG:
            raise StreamRefused(
                "invalid-namespace",
                f"the server did not open an XMPP stream (it sent <{shorten(root.tag, 80)}>): is this an XMPP port?",
            )
        self.xml_root = root
        self.start_stream_handler(root)

    def stanza_received(self, element: ET.Element, size: int) -> None:
        """Handle one stanza; if that fails, only this stanza is lost, and the log says so."""
        try:
            self.recv_stanza(self._build_stanza(self.incoming_filter(element)))
        except Exception as error:
            logging.getLogger(__name__).exception("could not handle a stanza")
            tag = element.tag.rsplit("}", 1)[-1]
            reason = f"it could not be handled ({type(error).__name__}: {shorten(str(error), 200)})"
            self.stanza_skipped(SkippedStanza(tag, size, reason, element.get("id", ""), element.get("from", "")))
        if size >= HUGE_STANZA_BYTES:
            self._release_memory_soon()
        if element.tag == _PROCEED_TAG and self._reader is not None:
            self._reader.stop()  # anything after <proceed/> came in the clear: never read it as the TLS stream

    def stanza_skipped(self, skipped: SkippedStanza) -> None:
        if skipped.size >= HUGE_STANZA_BYTES:
            self._release_memory_soon()
        self.store.skipped += 1
        attributes = "".join(
            f" {name}={quoteattr(shorten(value, 80))}"
            for name, value in (("id", skipped.stanza_id), ("from", skipped.sender))
            if value
        )
        self.store.notice(
            f"Skipped <{shorten(skipped.tag, 40)}{attributes}> ({skipped.size:,} bytes): {skipped.reason}. "
            "Reading goes on.",
            "skipped",
        )

    def _release_memory_soon(self) -> None:
        """RELEASE_DELAY after the last huge stanza (its buffers freed too): a later one moves it."""
        if self._memory_release is not None:
            self._memory_release.cancel()
        self._memory_release = self.loop.call_later(RELEASE_DELAY, self._release_memory)

    def _release_memory(self) -> None:
        self._memory_release = None
        release_freed_memory()

    def stream_closed(self) -> None:
        self.disconnect_reason = "End of stream"
        self.abort()

    def _handle_stream_error(self, error: StreamError) -> None:
        """Replaces slixmpp's handler, which follows see-other-host by itself (logging in again,
        password included): here the reason is kept, a redirect only reported, and the stream closed."""
        report = read_stream_error(error.xml)
        self._end_reason = report.describe()
        self._redirect = report.redirect
        self.may_reconnect = report.condition in RECONNECT_AFTER
        self.event("stream_error", error)
        with contextlib.suppress(NotConnectedError):
            self.send_raw("</stream:stream>")
        self.abort()

    def send_raw(self, data: str | bytes) -> None:
        sending, self._sending = self._sending, None
        super().send_raw(data)  # raises NotConnectedError first: only log what really went out
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        if not text.strip():
            self.store.append(Direction.OUT, Kind.KEEPALIVE, text)
            return
        names = None
        if sending is not None and sending[0] is data:  # slixmpp's text of this element
            element = sending[1]
            names = names_as_written(element, text, (self.default_ns, self.stream_ns), self.namespace_map.values())
        if names is None:
            try:
                element = ET.fromstring(text)
            except ET.ParseError:  # stream header or footer: not a complete element
                self.store.append(Direction.OUT, Kind.STREAM, text.strip())
                return
            names = names_of(element)
        entry = self._record(Direction.OUT, names, element.attrib, text)
        if self.sm.enabled_out and entry.kind in STANZA_KINDS:
            self._ask_ack_soon()

    def _ask_ack_soon(self) -> None:
        """One `<r/>` after a burst of stanzas (slixmpp's own comes before the stanza that
        triggers it, so that stanza would always look unacknowledged)."""
        if not self._ack_asked:
            self._ack_asked = True
            self.loop.call_soon(self._ask_ack)

    def _ask_ack(self) -> None:
        self._ack_asked = False
        if self.sm.enabled_out and self.transport is not None:
            self.sm.request_ack()

    def register_handler(
        self, handler: BaseHandler, before: BaseHandler | None = None, after: BaseHandler | None = None
    ) -> None:
        """Every handler is offered every stanza: those that ask for one tag compare it."""
        super().register_handler(with_tag_matcher(handler), before, after)

    def start_stream_handler(self, xml: ET.Element) -> None:
        header = tostring(xml, xmlns=self.default_ns, open_only=True)
        self.store.append(Direction.IN, Kind.STREAM, header, tag="stream", sender=xml.get("from", ""))
        super().start_stream_handler(xml)  # a component answers it with its handshake: logged after it

    def _capture_incoming(self, stanza: StanzaBase) -> StanzaBase | None:
        """Record what came in, then let the responders answer it (they may swallow it)."""
        element = stanza.xml
        text = stanza_text(element, self.default_ns)  # before any handler or matcher mutates it
        answer = self._answer(stanza) if isinstance(stanza, Iq) else None
        responder = answer.answered_by if answer is not None else ""
        entry = self._record(Direction.IN, names_of(element), element.attrib, text, responder)
        if element.tag == _FEATURES_TAG:
            self.stream_features = frozenset(split_tag(child.tag)[0] for child in element)
        if entry.is_reply and entry.stanza_id in self._waiting and self._answers_ours(entry):
            future, timer = self._waiting.pop(entry.stanza_id)
            timer.cancel()
            if not future.done():
                future.set_result(entry)
        if answer is None:
            return stanza
        if self.on_answered is not None:
            self.on_answered(entry, answer)
        if self.sm.enabled_in:  # swallowed before xep_0198's own 'in' filter could count it
            self.sm.handled = (self.sm.handled + 1) % MAX_SEQ
        if answer.reply is not None:
            self._responder_replies[answer.reply["id"]] = responder
            if answer.delay > 0:
                self._delayed.add(self.loop.call_later(answer.delay, self._send_delayed, answer.reply))
            else:
                self._send_reply(answer.reply)
        return None  # swallowed: no other handler, and no automatic error, sees it

    def _answers_ours(self, entry: TrafficEntry) -> bool:
        """The store paired it with our request (same id, from the peer we asked), not just any
        stanza reusing the id."""
        pairing = self.store.pairing_of(entry)
        return pairing is not None and pairing.reply is entry

    def _answer(self, iq: Iq) -> Answer | None:
        """The responders' answer; a failure is logged and the request left to slixmpp, because
        an exception here would end the stream."""
        try:
            return self.responders.answer(iq)
        except Exception:
            logging.getLogger(__name__).exception("responders failed on %s", iq["id"])
            return None

    def _send_delayed(self, reply: Iq) -> None:
        self._delayed = {
            handle for handle in self._delayed if not handle.cancelled() and handle.when() > self.loop.time()
        }
        if self.online:
            self._send_reply(reply)
        else:
            self._responder_replies.pop(reply["id"], None)

    def _send_reply(self, reply: Iq) -> None:
        """Iq.send without the future, closures and matcher it makes for every reply, which nothing
        waits on. Its one check stays: once bound, a `to` that is not a JID raises, nothing is
        sent, and the request is reported as one that could not be handled."""
        if self.session_bind_event.is_set():
            reply["to"]  # parsed as a JID, as Iq.send does
        self.send(reply)

    def _record(
        self, direction: Direction, names: StanzaNames, attributes: dict[str, str], text: str, responder: str = ""
    ) -> TrafficEntry:
        namespace, local, child_namespace = names.namespace, names.local, names.child_namespace
        if direction is Direction.OUT and self._responder_replies and local.endswith("iq"):
            responder = self._responder_replies.pop(attributes.get("id", ""), responder)
        xml, redacted = redact(text)
        entry = self.store.append(
            direction,
            kind_of(local, namespace),
            xml,
            tag=local,
            stanza_id=attributes.get("id", ""),
            sender=attributes.get("from", ""),
            recipient=attributes.get("to", ""),
            type=attributes.get("type", ""),
            namespace=child_namespace or namespace,
            redacted=redacted,
            responder=responder,
        )
        if redacted:
            self.store.keep_secret(entry.seq, text)
        return entry

    # -- sending ---------------------------------------------------------------------------

    def send_outgoing(
        self, outgoing: Outgoing, timeout: float = DEFAULT_REPLY_TIMEOUT
    ) -> asyncio.Future[TrafficEntry] | None:
        """Queue one prepared stanza; for an IQ get/set return a future of its reply entry."""
        if not self.online:
            raise StanzaError(f"not connected ({self.state.value}): nothing was sent")
        element = outgoing.element
        self._declare_attribute_namespaces(element)
        stanza_class = _STANZA_CLASSES.get(outgoing.kind) or _SM_CLASSES.get(element.tag, StanzaBase)
        stanza = stanza_class(self, xml=element)
        future = None
        if outgoing.is_request:
            stanza_id = element.get("id", "")
            if stanza_id in self._waiting:
                raise StanzaError(f"an IQ with id {stanza_id!r} is still waiting for its reply")
            future = self.loop.create_future()
            timer = self.loop.call_later(timeout, self._time_out, stanza_id, timeout)
            self._waiting[stanza_id] = (future, timer)
        self.send(stanza)
        return future

    def cancel_wait(self, stanza_id: str) -> None:
        """Stop waiting for a reply (the request stays in the log as cancelled; a late reply still pairs)."""
        waiting = self._waiting.pop(stanza_id, None)
        if waiting is not None:
            future, timer = waiting
            timer.cancel()
            future.cancel()
            self.store.mark_timed_out(Direction.OUT, stanza_id, PairState.CANCELLED)

    @property
    def waiting_count(self) -> int:
        return len(self._waiting)

    def _time_out(self, stanza_id: str, timeout: float) -> None:
        future, _timer = self._waiting.pop(stanza_id, (None, None))
        self.store.mark_timed_out(Direction.OUT, stanza_id)
        if future is not None and not future.done():
            future.set_exception(ReplyTimeout(stanza_id, timeout))

    def _fail_waiting(self, reason: str, state: PairState = PairState.CANCELLED) -> None:
        for stanza_id, (future, timer) in list(self._waiting.items()):
            timer.cancel()
            self.store.mark_timed_out(Direction.OUT, stanza_id, state)
            if not future.done():
                future.set_exception(ConnectionFailure(f"{reason} before the reply to {stanza_id} came"))
        self._waiting.clear()

    def _declare_attribute_namespaces(self, element: ET.Element) -> None:
        """slixmpp's serializer drops namespaced attributes unless their namespace has a prefix."""
        for node in element.iter():
            for name in node.keys():  # noqa: SIM118 (an Element iterates its children)
                namespace = split_tag(name)[0]
                if namespace and namespace not in _KNOWN_PREFIXES and namespace not in self.namespace_map:
                    self.namespace_map[namespace] = f"ns{len(self.namespace_map)}"


class ConsoleClient(ConsoleStream, slixmpp.ClientXMPP):
    """An account: STARTTLS or direct TLS, SASL, resource binding, stream management."""

    def _start_xmpp(self, account: Account) -> None:
        slixmpp.ClientXMPP.__init__(self, account.jid, account.password.reveal(), loop=asyncio.get_running_loop())

    def _set_up_stream_management(self, at_login: bool) -> None:
        if not at_login:
            self._enable_sm_only_when_asked()

    def _enable_sm_only_when_asked(self) -> None:
        """Keep xep_0198's resumption but not its `<enable/>` at every login."""
        for order in (self.sm.order, self.sm.resume_order):
            self.unregister_feature("sm", order)
        for order in (self.sm.order, self.sm.resume_order):
            self.register_feature("sm", self._resume_sm_only, restart=True, order=order)

    async def _resume_sm_only(self, features: StanzaBase) -> bool:
        if self.sm.sm_id and self.sm.allow_resume and "bind" not in self.features:
            return bool(await self.sm._handle_sm_feature(features))  # the plugin's resume, as when it enables
        return False

    def _greet(self) -> None:
        self.send_presence()


_COMPONENT_PREFIX = f"{{{COMPONENT_NS}}}"
_CLIENT_PREFIX = f"{{{CLIENT_NS}}}"
_HANDSHAKE_TAG = f"{_COMPONENT_PREFIX}handshake"


def _tostring_keeping_element(xml: ET.Element, xmlns: str = "", stream: Any = None, *args: Any, **kwargs: Any) -> str:
    """slixmpp's send queue writing a stanza's text: a ConsoleStream keeps the element beside it,
    so `send_raw` reads the log's names from the element instead of parsing the text again."""
    text = tostring(xml, xmlns, stream, *args, **kwargs)
    if isinstance(stream, ConsoleStream):
        stream._sending = (text, xml)
    return text


# The send queue (run_filters) calls the module's `tostring` by name.
setattr(importlib.import_module("slixmpp.xmlstream.xmlstream"), "tostring", _tostring_keeping_element)  # noqa: B010


class ComponentClient(ConsoleStream, ComponentXMPP):
    """An external component (XEP-0114): plain TCP to the server's component port, a handshake
    (SHA-1 of the stream id and the shared secret, redacted in the log like SASL), then stanzas
    from and to any JID at the component's domain.

    Its stanzas are handled as `jabber:client` ones (slixmpp's `use_jc_ns`), so the composer,
    responders, filters and the log read them exactly as a client's; what goes out without an
    xmlns is in the stream's `jabber:component:accept`."""

    def _start_xmpp(self, account: Account) -> None:
        ComponentXMPP.__init__(self, account.jid, account.password.reveal(), account.host, account.port, use_jc_ns=True)

    def _set_up_stream_management(self, at_login: bool) -> None:
        """A component stream has no XEP-0198: the plugin stays off (slixmpp leaves it unset)."""
        sm = self.sm
        sm.enabled_in = sm.enabled_out = False
        sm.sm_id = None
        sm.handled = 0
        sm.unacked_queue = collections.deque()

    def incoming_filter(self, xml: ET.Element) -> ET.Element:
        """The stream's namespace read as `jabber:client` (the handshake stays the component's)."""
        if xml.tag != _HANDSHAKE_TAG:
            for element in xml.iter():
                if element.tag.startswith(_COMPONENT_PREFIX):
                    element.tag = _CLIENT_PREFIX + element.tag[len(_COMPONENT_PREFIX) :]
        return xml


def console_stream(account: Account, store: TrafficStore, **options: Any) -> ConsoleStream:
    """The stream `account` asks for: a component's or a client's."""
    return (ComponentClient if account.component else ConsoleClient)(account, store, **options)


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _loss_reason(reason: object) -> str:
    """slixmpp's disconnect reason, in the log's words."""
    if not reason:
        return "the server closed the connection"
    return "end of stream" if reason == "End of stream" else str(reason)


def _is_certificate_failure(error: object) -> bool:
    return isinstance(error, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(error)


def describe_connection_error(error: object, account: Account) -> str:
    """Turn slixmpp's connection_failed payload into a sentence with a next step."""
    if _is_certificate_failure(error):
        return (
            f"The TLS certificate of {account.domain} could not be verified "
            f"({getattr(error, 'verify_message', '') or error}). "
            "Trust it with --ca-file FILE, or skip verification with --insecure."
        )
    if isinstance(error, ConnectionRefusedError):
        return f"Connection refused by {account.address}: is the server running on that port?"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed with {account.address}: {getattr(error, 'reason', None) or error}."
    if isinstance(error, OSError):
        return f"Cannot reach {account.address}: {error.strerror or error}."
    text = str(error)
    if "DNS" in text and account.host:
        return f"Cannot find the host {account.host!r} (no DNS record): check the host name or give an IP address."
    if "DNS" in text:
        return f"{text}. Check the domain, or give --host and --port."
    return f"Cannot connect to {account.address}: {text}"
