"""ConsoleClient against each real server (Prosody, ejabberd): login, replies, errors, timeouts,
failures, responders."""

from __future__ import annotations

import asyncio
import base64

import pytest
import slixmpp
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

from iqconsole.core.client import ConnectionFailure, ConnectionState, ConsoleClient, ReplyTimeout
from iqconsole.core.responders import ResponderError, ResponderSet
from iqconsole.core.stanza import error_condition, prepare
from iqconsole.core.stanza_plugins import register_iq_payloads
from iqconsole.core.traffic import Direction, Kind, PairState, TrafficStore
from tests.xmpp_helpers import account_for, eventually, plain_client


@pytest.fixture
async def alice(server):
    client = ConsoleClient(account_for(server, "alice"), TrafficStore(), ResponderSet())
    await client.start_session()
    yield client
    await client.close()


async def send_text(client: ConsoleClient, text: str, timeout: float = 5.0):
    (outgoing,) = prepare(text)
    reply = client.send_outgoing(outgoing, timeout)
    assert reply is not None, "only IQ requests are sent this way"
    return await reply


async def test_login_shows_the_whole_negotiation_with_secrets_redacted(server, alice):
    password = server.account("alice").password
    kinds = [entry.kind for entry in alice.store]
    assert Kind.STREAM in kinds and Kind.SASL in kinds
    assert any("<starttls" in entry.xml for entry in alice.store if entry.direction is Direction.OUT)
    assert any(entry.is_request and "urn:ietf:params:xml:ns:xmpp-bind" in entry.xml for entry in alice.store)
    sasl = [entry for entry in alice.store if entry.kind is Kind.SASL]
    assert sasl and all(entry.redacted for entry in sasl if entry.tag in ("auth", "response", "challenge"))
    everything = "\n".join(entry.xml for entry in alice.store)
    assert password not in everything
    assert base64.b64encode(password.encode()).decode()[:12] not in everything


async def test_iq_to_the_server_gets_its_result(server, alice):
    reply = await send_text(alice, '<iq type="get" to="localhost"><query xmlns="jabber:iq:version"/></iq>')
    assert reply.type == "result" and {"prosody": "Prosody", "ejabberd": "ejabberd"}[server.server] in reply.xml
    pairing = alice.store.pairing_of(reply)
    assert pairing.state is PairState.ANSWERED and pairing.round_trip > 0


async def test_error_reply_is_reported_with_its_condition(alice):
    reply = await send_text(alice, '<iq type="get" to="localhost"><query xmlns="urn:example:nothing"/></iq>')
    assert reply.type == "error"
    assert error_condition(reply.xml).startswith("service-unavailable")
    assert alice.store.pairing_of(reply).state is PairState.ERROR


async def test_error_condition_slixmpp_does_not_know_still_arrives(server, alice):
    bob = await plain_client(server, "bob", "strict")

    def refuse(iq):
        bob.send_raw(
            f"<iq type='error' id='{iq['id']}' to='{iq['from']}'><error type='cancel'>"
            "<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>not today</text></error></iq>"
        )

    bob.register_handler(Callback("refuse", StanzaPath("iq@type=get"), refuse))
    try:
        reply = await send_text(alice, '<iq type="get" to="bob@localhost/strict"><query xmlns="urn:x:y"/></iq>')
    finally:
        await bob.disconnect()
    assert error_condition(reply.xml) == "policy-violation (cancel): not today"


async def test_a_peer_that_never_answers_times_out(server, alice):
    bob = await plain_client(server, "bob", "silent")
    bob.add_filter("in", lambda stanza: None if stanza.xml.tag.endswith("iq") else stanza)
    try:
        with pytest.raises(ReplyTimeout):
            await send_text(alice, '<iq type="get" to="bob@localhost/silent"><ping xmlns="urn:xmpp:ping"/></iq>', 0.5)
    finally:
        await bob.disconnect()
    timed_out = [p for p in alice.store.pairings.values() if p.state is PairState.TIMED_OUT]
    assert len(timed_out) == 1 and alice.waiting_count == 0


async def test_wrong_password_is_a_clear_failure(server):
    client = ConsoleClient(account_for(server, "alice", password="not-the-password"), TrafficStore())
    with pytest.raises(ConnectionFailure, match="Authentication failed"):
        await client.start_session()
    assert client.state is ConnectionState.FAILED
    assert not client.is_connecting()


async def test_server_not_running_is_a_clear_failure(server, unused_tcp_port):
    account = account_for(server, "alice")
    from dataclasses import replace

    client = ConsoleClient(replace(account, port=unused_tcp_port), TrafficStore())
    with pytest.raises(ConnectionFailure, match="Connection refused"):
        await client.start_session()
    assert not client.is_connecting()


async def test_untrusted_certificate_names_the_fix(server):
    from dataclasses import replace

    client = ConsoleClient(replace(account_for(server, "alice"), ca_file=None), TrafficStore())
    with pytest.raises(ConnectionFailure, match="--ca-file"):
        await client.start_session()


async def test_responder_answers_another_client_exactly_once(server, alice):
    alice.responders.add("pong", "iq@type=get/ping")
    alice.responders.add(
        "version",
        "iq@type=get/software_version",
        '<query xmlns="jabber:iq:version"><name>fake</name><version>${id}</version></query>',
    )
    bob = await plain_client(server, "bob", "asker")
    register_iq_payloads()
    try:
        ping = bob.make_iq_get(ito=str(alice.boundjid))
        ping.append(ET.fromstring("<ping xmlns='urn:xmpp:ping'/>"))
        assert (await ping.send(timeout=5))["type"] == "result"
        version = bob.make_iq_get(ito=str(alice.boundjid))
        version.append(ET.fromstring("<query xmlns='jabber:iq:version'/>"))
        answer = await version.send(timeout=5)
        assert answer.xml.find("{jabber:iq:version}query/{jabber:iq:version}version").text == version["id"]
    finally:
        await bob.disconnect()
    replies = [e for e in alice.store if e.direction is Direction.OUT and e.stanza_id in (ping["id"], version["id"])]
    assert len(replies) == 2, "each request answered exactly once"
    assert alice.responders.get("pong").hits == 1


async def bob_gets_an_error_for_a_ping(server, alice, resource: str) -> None:
    bob = await plain_client(server, "bob", resource)
    try:
        ping = bob.make_iq_get(ito=str(alice.boundjid))
        ping.append(ET.fromstring("<ping xmlns='urn:xmpp:ping'/>"))
        with pytest.raises(slixmpp.exceptions.IqError):
            await ping.send(timeout=5)
    finally:
        await bob.disconnect()


async def test_disabled_responder_leaves_the_standard_error(server, alice):
    alice.responders.add("pong", "iq@type=get/ping", enabled=False)
    await bob_gets_an_error_for_a_ping(server, alice, "asker2")
    assert alice.responders.get("pong").hits == 0


async def test_a_raising_matcher_never_drops_the_connection(server, alice):
    responder = alice.responders.add("broken", "iq@type=get/ping")

    class Exploding:
        def __call__(self, stanza):
            raise ValueError("boom")

    responder.matcher = Exploding()
    await bob_gets_an_error_for_a_ping(server, alice, "asker3")
    assert "boom" in responder.last_error
    assert alice.online
    reply = await send_text(alice, '<iq type="get" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>')
    assert reply.type == "result"


def test_malformed_stanza_path_is_refused_before_registration():
    responders = ResponderSet()
    with pytest.raises(ResponderError):
        responders.add("bad", "iq@type")
    assert len(responders) == 0


async def test_message_and_presence_can_be_sent(server, alice):
    bob = await plain_client(server, "bob", "reader")
    received = asyncio.get_running_loop().create_future()
    bob.add_event_handler("message", lambda msg: None if received.done() else received.set_result(msg["body"]))
    try:
        for outgoing in prepare(
            '<message to="bob@localhost/reader" type="chat"><body>hello bob</body></message><presence/>'
        ):
            assert alice.send_outgoing(outgoing) is None
        assert await asyncio.wait_for(received, 5) == "hello bob"
    finally:
        await bob.disconnect()
    await eventually(lambda: any(e.kind is Kind.PRESENCE and e.direction is Direction.OUT for e in alice.store))


async def test_a_reply_from_someone_else_with_our_id_is_not_taken_for_the_answer(server, alice):
    bob = await plain_client(server, "bob", "quiet")
    carol = await plain_client(server, "carol", "spoofer")
    asked: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def swallow(iq) -> None:
        if not asked.done():
            asked.set_result(iq["id"])

    bob.register_handler(Callback("swallow pings", StanzaPath("iq@type=get/ping"), swallow))
    try:
        (outgoing,) = prepare(f"<iq type='get' to='{bob.boundjid}' id='spoof1'><ping xmlns='urn:xmpp:ping'/></iq>")
        future = alice.send_outgoing(outgoing, 3.0)
        assert await asyncio.wait_for(asked, 5) == "spoof1", "the request is out"
        carol.send_raw(f"<iq type='result' id='spoof1' to='{alice.boundjid}'/>")
        await eventually(
            lambda: any(entry.stanza_id == "spoof1" and entry.sender.startswith("carol@") for entry in alice.store),
            what="the spoofed reply read",
        )
        assert future is not None and not future.done(), "read while the request waits, and not taken for its answer"
        with pytest.raises(ReplyTimeout):
            await future
        request = next(entry for entry in alice.store if entry.stanza_id == "spoof1" and entry.is_request)
        assert alice.store.pairing_of(request).state is PairState.TIMED_OUT
    finally:
        await bob.disconnect()
        await carol.disconnect()
