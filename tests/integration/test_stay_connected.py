"""Staying connected against a real Prosody of its own (it gets killed): reconnect with backoff,
stream management (acks, resumption), and what happens to the requests waiting at the loss."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from iqconsole.core.account import Account, Secret
from iqconsole.core.client import ConnectionState, ConsoleClient
from iqconsole.core.demo_peer import run_demo_peer
from iqconsole.core.protocol import STANZA_KINDS
from iqconsole.core.reconnect import Backoff
from iqconsole.core.respond import Handled, respond
from iqconsole.core.responders import ResponderSet
from iqconsole.core.sandbox import ProsodySandbox
from iqconsole.core.session import Session, Settled
from iqconsole.core.stanza import prepare
from iqconsole.core.templates import discover_templates
from iqconsole.core.traffic import Direction, Kind, PairState, TrafficStore
from tests.xmpp_helpers import account_for, eventually, plain_client

FAST = Backoff((0.2, 0.5, 1.0))
BACK_ONLINE = 20.0  # seconds from the server being ready again to the console online: the stated bound
VERSION_REPLY = "<query xmlns='jabber:iq:version'><name>console</name></query>"


@pytest.fixture(scope="module")
def sandbox():
    """A server of this module's own: these tests kill it."""
    server = ProsodySandbox(("alice", "bob")).start()
    yield server
    server.stop()


@pytest.fixture
def server(sandbox):
    if not sandbox.running:  # an earlier test failed with the server down
        sandbox.start_again()
    return sandbox


def console_responders() -> ResponderSet:
    """Silent on pings (so they wait), answers software version."""
    responders = ResponderSet()
    responders.add("hush", "iq@type=get/ping", silent=True)
    responders.add("version", "iq@type=get/software_version", VERSION_REPLY)
    return responders


@pytest.fixture
async def make_session(server):
    sessions: list[Session] = []

    async def make(stream_management: bool, resource: str) -> Session:
        session = Session(
            account_for(server, "alice", resource),
            TrafficStore(),
            console_responders(),
            stream_management=stream_management,
            reconnect=FAST,
        )
        sessions.append(session)
        await session.open()
        return session

    yield make
    for session in sessions:
        await session.close()


def one(text: str):
    (outgoing,) = prepare(text)
    return outgoing


def notices(session: Session, tag: str) -> list[str]:
    return [entry.xml for entry in session.store if entry.kind is Kind.NOTICE and entry.tag == tag]


async def ask_version(server, asker: str, to: str) -> str:
    """`asker` (a plain client) asks `to` its software version; the reply's type."""
    client = await plain_client(server, asker, f"asker{time.monotonic_ns()}")
    try:
        iq = client.make_iq_get(queryxmlns="jabber:iq:version", ito=to)
        reply = await iq.send(timeout=10)
        return reply["type"]
    finally:
        await client.disconnect(wait=1.0)


@pytest.mark.parametrize("stream_management", [False, True], ids=["plain", "with-sm"])
async def test_the_console_comes_back_after_its_server_was_killed_and_started_again(
    server, make_session, stream_management
):
    session = await make_session(stream_management, f"killed-{stream_management}")
    if stream_management:
        await eventually(lambda: session.sm.resumable, what="stream management enabled, resumable")
    pending = [
        session.send(
            one(f"<iq type='get' to='{session.own_jid}' id='wait{n}'><ping xmlns='urn:xmpp:ping'/></iq>"), timeout=120
        )
        for n in range(2)
    ]
    await eventually(lambda: session.store.pending_out == 2, what="two requests waiting")

    os.kill(server.pid, signal.SIGKILL)
    await eventually(lambda: session.state is ConnectionState.RECONNECTING, what="reconnecting")
    assert "reconnecting" in session.detail and "attempt" in session.detail
    await eventually(
        lambda: session.detail.startswith("reconnecting in") and "last:" in session.detail,
        timeout=20,
        what="a failed attempt said",
    )

    server.start_again()
    back = time.monotonic()
    await eventually(lambda: session.online, timeout=BACK_ONLINE, what="online again")
    print(f"online {time.monotonic() - back:.2f} s after the server was back")

    outcomes = await asyncio.gather(*pending)
    assert {outcome.settled for outcome in outcomes} == {Settled.LOST}
    assert all("connection lost" in outcome.describe() for outcome in outcomes)
    assert session.pending == {} and session.store.pending_out == 0
    states = {
        session.store.pairing_of(entry).state
        for entry in session.store
        if entry.stanza_id.startswith("wait") and entry.direction is Direction.OUT
    }
    assert states == {PairState.LOST}, "the log marks them [connection lost]"

    (lost,) = notices(session, "connection-lost")
    assert re.fullmatch(r"connection lost \d\d:\d\d:\d\d: .+", lost)
    (again,) = notices(session, "online-again")
    assert re.fullmatch(r"online again \d\d:\d\d:\d\d: new session", again)

    assert await ask_version(server, "bob", session.own_jid) == "result", "the responders answer again"
    answered = [entry for entry in session.store if entry.direction is Direction.OUT and entry.responder == "version"]
    assert answered, "answered by the console's responder after the reconnect"
    if stream_management:
        await eventually(lambda: session.sm.resumable, what="a new SM session after the failed resumption")


async def test_a_dropped_connection_resumes_the_sm_session_and_its_request_gets_its_reply(server, make_session):
    session = await make_session(True, "resumed")
    await eventually(lambda: session.sm.resumable, what="stream management enabled, resumable")
    bob = await plain_client(server, "bob", "slow")
    held: list = []
    bob.register_handler(Callback("hold", MatchXPath("{jabber:client}iq/{jabber:iq:version}query"), held.append))
    try:
        reply = session.send(
            one("<iq type='get' to='bob@localhost/slow' id='carried'><query xmlns='jabber:iq:version'/></iq>"),
            timeout=60,
        )
        await eventually(lambda: bool(held), what="bob holding the request")
        assert session.client is not None and session.client.transport is not None
        session.client.transport.abort()  # the network goes away; the server keeps the SM session
        await eventually(lambda: session.state is ConnectionState.RECONNECTING, what="reconnecting")
        held[0].reply().send()  # while the console is away: the server keeps it for the resumed session
        await eventually(lambda: session.online, timeout=BACK_ONLINE, what="online again")
        outcome = await reply
        assert outcome.settled is Settled.RESULT, "carried over the loss, answered after the resumption"
        (again,) = notices(session, "online-again")
        assert again.endswith(": resumed")
        assert "resumed" in session.detail
    finally:
        await bob.disconnect(wait=1.0)
    assert await ask_version(server, "bob", session.own_jid) == "result", "the responders answer again"


def acks(session: Session, direction: Direction) -> list[int]:
    """The h of each <a/> that went `direction`."""
    return [
        int(re.search(r"h=.(\d+)", entry.xml).group(1))
        for entry in session.store
        if entry.kind is Kind.SM and entry.tag == "a" and entry.direction is direction
    ]


def stanzas_since(session: Session, tag: str, direction: Direction) -> int:
    """Stanzas that went `direction` since the SM element `tag`: what an h must count."""
    entries = list(session.store)
    start = next(n for n, entry in enumerate(entries) if entry.kind is Kind.SM and entry.tag == tag)
    return sum(1 for entry in entries[start:] if entry.direction is direction and entry.kind in STANZA_KINDS)


async def test_acks_count_what_was_received_and_ask_for_what_was_sent(server, make_session):
    session = await make_session(True, "acks")
    await eventually(lambda: session.sm.enabled, what="stream management enabled")
    bob = await plain_client(server, "bob", "chatty")
    try:
        for number in range(3):
            bob.send_message(mto=JID(session.own_jid), mbody=f"hello {number}")
        assert await ask_version(server, "bob", session.own_jid) == "result"  # a responder answers (and swallows) it

        def our_ack_counts_all() -> bool:
            server_asked = any(entry.tag == "r" and entry.direction is Direction.IN for entry in session.store)
            ours = acks(session, Direction.OUT)
            return server_asked and bool(ours) and ours[-1] == stanzas_since(session, "enabled", Direction.IN)

        await eventually(our_ack_counts_all, what="our <a h> answering the server's <r/> with all that came in")
        assert acks(session, Direction.OUT)[-1] >= 4, "3 messages and the version request a responder swallowed"

        session.send(one("<message to='bob@localhost/chatty'><body>hi</body></message>"))

        def server_acks_all() -> bool:
            theirs = acks(session, Direction.IN)
            return bool(theirs) and theirs[-1] == stanzas_since(session, "enable", Direction.OUT)

        await eventually(server_acks_all, what="the console asking, and the server acking all it sent")
        await eventually(lambda: session.sm.unacked == 0, what="nothing unacknowledged")
    finally:
        await bob.disconnect(wait=1.0)


async def demo_peer_answers(server, timeout: float = 20.0) -> bool:
    """Until bob@localhost/demo answers a version request (before it is online the server refuses)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(IqError, IqTimeout):
            if await ask_version(server, "alice", "bob@localhost/demo") == "result":
                return True
        await asyncio.sleep(0.2)
    return False


async def test_the_sandbox_demo_peer_comes_back_after_the_server_was_started_again(server):
    peer = asyncio.ensure_future(run_demo_peer(account_for(server, "bob", "demo")))
    try:
        assert await demo_peer_answers(server)
        os.kill(server.pid, signal.SIGKILL)
        await eventually(lambda: not server.running, what="the server gone")
        server.start_again()
        assert await demo_peer_answers(server), "the demo peer logged in again by itself"
    finally:
        peer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await peer


async def test_respond_reconnects_and_answers_again(server):
    handled: list[Handled] = []
    said: list[str] = []
    running = asyncio.ensure_future(
        respond(
            account_for(server, "alice", "headless"),
            console_responders(),
            handled.append,
            said.append,
            stream_management=True,
            backoff=FAST,
        )
    )
    try:
        await eventually(lambda: any(line.startswith("online as") for line in said), what="respond online")
        os.kill(server.pid, signal.SIGKILL)
        await eventually(lambda: any("reconnecting (Ctrl+C stops)" in line for line in said), what="the loss said")
        server.start_again()
        await eventually(lambda: any(line.startswith("online again as") for line in said), timeout=BACK_ONLINE)
        assert await ask_version(server, "bob", "alice@localhost/headless") == "result"
        await eventually(lambda: any(h.responder == "version" for h in handled), what="the answer reported")
        assert not running.done(), "still answering"
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_the_sm_enable_template_turns_on_acks_and_resumption_for_this_session(server, make_session):
    """The template used to leave the server's <r/> unanswered (ejabberd then closed the stream)."""
    session = await make_session(False, "template")
    assert not session.sm.enabled, "off unless asked for"
    template = discover_templates(None)[0]["sm-enable"].body
    session.send(one(template))
    await eventually(lambda: session.sm.enabled and session.sm.resumable, what="SM on, from the template")
    bob = await plain_client(server, "bob", "template")
    try:
        bob.send_message(mto=JID(session.own_jid), mbody="counted")

        def answered_the_servers_request() -> bool:
            theirs = [entry for entry in session.store if entry.tag == "r" and entry.direction is Direction.IN]
            ours = acks(session, Direction.OUT)
            return bool(theirs) and bool(ours) and ours[-1] == stanzas_since(session, "enabled", Direction.IN)

        await eventually(answered_the_servers_request, what="the server's <r/> answered with the right h")
        session.send(one("<message to='bob@localhost/template'><body>and acked</body></message>"))
        await eventually(lambda: bool(acks(session, Direction.IN)), what="the console asking for an ack")
        await eventually(lambda: session.sm.unacked == 0, what="nothing unacknowledged")
    finally:
        await bob.disconnect(wait=1.0)


async def test_no_reconnect_after_the_server_said_another_login_replaced_this_one(server, make_session):
    session = await make_session(False, "twice")
    other = await plain_client(server, "alice", "twice")  # the same full JID: Prosody closes the older stream
    try:
        await eventually(lambda: session.state is ConnectionState.DISCONNECTED, what="disconnected")
        assert "conflict" in session.detail
        assert not session.reconnecting, "reconnecting would throw the other login out in turn"
        assert not notices(session, "online-again")
    finally:
        await other.disconnect(wait=1.0)


async def test_an_attempt_stopped_half_way_leaves_no_connection_behind():
    """Stopping reconnecting while an attempt is connecting must not let a session appear later."""
    accepted = asyncio.Event()

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()  # accepts and never answers: the attempt hangs in the stream's start

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    client = ConsoleClient(Account("alice@localhost/x", Secret("pw"), host="127.0.0.1", port=port), TrafficStore())
    try:
        attempt = asyncio.ensure_future(client.start_session(30, announce=False))
        await asyncio.wait_for(accepted.wait(), 10)
        attempt.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await attempt
        assert not client.is_connecting() and client.transport is None
    finally:
        await client.close()
        listener.close()


async def test_ejabberd_gets_its_acks_after_the_sm_enable_template(ejabberd):
    """ejabberd closed the stream 60 s after the template: nobody answered its <r/>."""
    session = Session(account_for(ejabberd, "alice", "sm-template"), TrafficStore(), console_responders())
    await session.open()
    bob = await plain_client(ejabberd, "bob", "sm-template")
    try:
        session.send(one(discover_templates(None)[0]["sm-enable"].body))
        await eventually(lambda: session.sm.enabled, what="SM on, from the template")
        bob.send_message(mto=JID(session.own_jid), mbody="counted by ejabberd")

        def answered() -> bool:
            asked = any(entry.tag == "r" and entry.direction is Direction.IN for entry in session.store)
            ours = acks(session, Direction.OUT)
            return asked and bool(ours) and ours[-1] == stanzas_since(session, "enabled", Direction.IN)

        await eventually(answered, what="ejabberd's <r/> answered with the right h")
        assert session.online
    finally:
        await bob.disconnect(wait=1.0)
        await session.close()
