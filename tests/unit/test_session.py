"""The Session every front end drives, against the real Prosody: states, sends and their outcomes,
pending requests, cancel, discovery and the responders' answers."""

from __future__ import annotations

import asyncio

import pytest
from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from iqconsole.core.client import ConnectionFailure, ConnectionState, StateChange
from iqconsole.core.discovered_services import discovered_services
from iqconsole.core.responders import ResponderSet
from iqconsole.core.session import Answered, Session, Settled
from iqconsole.core.stanza import StanzaError, prepare
from iqconsole.core.traffic import PairState, TrafficStore
from tests.xmpp_helpers import account_for, eventually, plain_client

PING = "<iq type='get' to='{to}' id='{id}'><ping xmlns='urn:xmpp:ping'/></iq>"


def one(text: str):
    (outgoing,) = prepare(text)
    return outgoing


class WatchedSession(Session):
    """A session that keeps the state changes it announced, for the tests to read."""

    seen_states: list[StateChange]


@pytest.fixture
async def session(prosody):
    """alice, logged in, with a responder set that stays silent on pings (so requests can wait)."""
    responders = ResponderSet()
    opened = WatchedSession(account_for(prosody, "alice", "session"), TrafficStore(), responders)
    states: list[StateChange] = []
    opened.state_changed.subscribe(states.append)
    opened.seen_states = states
    await opened.open()
    yield opened
    await opened.close()


async def test_open_announces_connecting_then_online_and_close_is_silent(session):
    assert [change.state for change in session.seen_states] == [ConnectionState.CONNECTING, ConnectionState.ONLINE]
    assert session.online and session.own_jid == "alice@localhost/session"
    assert session.store.own_jid == "alice@localhost/session"
    await session.close()
    assert session.state is ConnectionState.DISCONNECTED and session.client is None
    assert len(session.seen_states) == 2, "whoever closes knows: no state change is announced"


async def test_a_wrong_password_fails_with_a_reason_and_a_failed_state(prosody):
    session = Session(account_for(prosody, "bob", "session", password="wrong"), TrafficStore())
    states: list[StateChange] = []
    session.state_changed.subscribe(states.append)
    try:
        with pytest.raises(ConnectionFailure, match="Authentication failed"):
            await session.open()
        assert states[-1].state is ConnectionState.FAILED and session.state is ConnectionState.FAILED
        assert "Authentication failed" in session.detail
    finally:
        await session.close()


async def test_a_result_settles_with_its_reply_and_round_trip(session):
    outcome = await session.send(one("<iq type='get' to='localhost' id='v1'><query xmlns='jabber:iq:version'/></iq>"))
    assert outcome.settled is Settled.RESULT and outcome.reply.stanza_id == "v1"
    assert outcome.round_trip > 0 and "Prosody" in outcome.reply.xml
    assert outcome.describe().startswith("Result for v1 from localhost in ")


async def test_an_error_settles_with_its_condition(session):
    outcome = await session.request(one("<iq type='get' to='localhost'><query xmlns='urn:example:none'/></iq>"))
    assert outcome.settled is Settled.ERROR
    assert "service-unavailable" in outcome.describe()


async def test_pending_lists_a_request_until_it_times_out(session):
    session.responders.add("hush", "iq@type=get/ping", silent=True)  # alice never answers herself
    changes: list[dict[str, float]] = []
    session.pending_changed.subscribe(lambda _: changes.append(dict(session.pending)))
    reply = session.send(one(PING.format(to=session.own_jid, id="quiet")), timeout=0.5)
    assert list(session.pending) == ["quiet"] and changes == [session.pending]
    outcome = await reply
    assert outcome.settled is Settled.TIMED_OUT and outcome.describe() == "No reply to quiet within 0.5 s (timed out)"
    assert session.pending == {} and changes[-1] == {}
    request = next(entry for entry in session.store if entry.stanza_id == "quiet" and entry.is_request)
    assert session.store.pairing_of(request).state is PairState.TIMED_OUT


async def test_cancel_all_stops_every_wait_at_once(session):
    session.responders.add("hush", "iq@type=get/ping", silent=True)
    replies = [session.send(one(PING.format(to=session.own_jid, id=f"c{n}")), timeout=30) for n in range(3)]
    assert session.cancel_all() == ["c0", "c1", "c2"]
    assert session.pending == {}, "the list empties at once, not when the futures settle"
    outcomes = await asyncio.gather(*replies)
    assert {outcome.settled for outcome in outcomes} == {Settled.CANCELLED}
    assert session.client.waiting_count == 0


async def test_closing_ends_waiting_requests_as_lost(session):
    session.responders.add("hush", "iq@type=get/ping", silent=True)
    reply = session.send(one(PING.format(to=session.own_jid, id="left")), timeout=30)
    await session.close()
    outcome = await reply
    assert outcome.settled is Settled.LOST and "disconnected" in outcome.describe()


async def test_send_all_stops_at_the_first_that_cannot_go(session):
    session.responders.add("hush", "iq@type=get/ping", silent=True)
    ping = one(PING.format(to=session.own_jid, id="dup"))
    again = one(PING.format(to=session.own_jid, id="dup"))
    sent = session.send_all([ping, again])
    assert sent.count == 1 and "still waiting" in str(sent.error) and len(sent.replies) == 1
    session.cancel_all()


async def test_nothing_goes_out_offline(prosody):
    session = Session(account_for(prosody, "alice", "offline"), TrafficStore())
    with pytest.raises(StanzaError, match="not connected"):
        session.send(one(PING.format(to="localhost", id="p")))
    assert len(session.store) == 0


async def test_discovery_after_login_finds_the_server_and_its_components(prosody):
    session = Session(account_for(prosody, "alice", "disco"), TrafficStore(), discover=True)
    found: list[object] = []
    session.features_found.subscribe(found.append)
    try:
        await session.open()
        await eventually(lambda: bool(found), what="the server's features")
        assert found[0] is session.features
        features = session.features
        assert features.announces("localhost", "urn:xmpp:ping")
        components = {info.jid for info in features.entities[1:]}
        assert components == {"pubsub.localhost", "upload.localhost", "conference.localhost"}
        assert features.account is not None and features.account.jid == "alice@localhost"
        assert features.announces("alice@localhost", "urn:xmpp:mam:2"), "Prosody announces MAM on the account"
        assert not features.announces("localhost", "urn:xmpp:mam:2")
        assert discovered_services(features) == {
            "muc": "conference.localhost",
            "pubsub": "pubsub.localhost",
            "upload": "upload.localhost",
        }
        assert session.pending == {}, "the session's own requests are not the user's pending ones"
    finally:
        await session.close()


async def test_answered_reports_what_the_responders_did(prosody, session):
    session.responders.add("pong", "iq@type=get/ping")
    answered: list[Answered] = []
    session.answered.subscribe(answered.append)
    bob = await plain_client(prosody, "bob", "asker")
    replies: list[StanzaBase] = []
    bob.register_handler(Callback("replies", MatchXPath("{jabber:client}iq"), replies.append))
    try:
        bob.send_raw(PING.format(to=session.own_jid, id="from-bob"))
        await eventually(lambda: bool(replies and answered), what="bob's ping answered")
        assert answered[0].request.stanza_id == "from-bob" and answered[0].answer.responder.name == "pong"
        assert replies[0]["type"] == "result" and replies[0]["id"] == "from-bob"
    finally:
        await bob.disconnect()


async def test_the_stream_features_the_server_announced_are_known(session):
    features = session.stream_features
    assert features is not None and "urn:xmpp:sm:3" in features, "Prosody announces stream management"
    assert "urn:xmpp:csi:0" not in features, "and not client state indication (the composer warns before sending it)"
