"""The sandbox demo's peer answers what the README promises: ping, version, time, disco#info."""

from __future__ import annotations

import asyncio
import time

import pytest

from iqconsole.core.client import ConsoleClient
from iqconsole.core.demo_peer import run_demo_peer
from iqconsole.core.responders import ResponderSet
from iqconsole.core.stanza import prepare
from iqconsole.core.traffic import TrafficStore
from tests.xmpp_helpers import account_for


@pytest.mark.parametrize(
    "payload",
    [
        "<ping xmlns='urn:xmpp:ping'/>",
        "<query xmlns='jabber:iq:version'/>",
        "<time xmlns='urn:xmpp:time'/>",
        "<query xmlns='http://jabber.org/protocol/disco#info'/>",
    ],
)
async def test_the_demo_peer_answers_with_a_result(prosody, payload):
    peer = asyncio.ensure_future(run_demo_peer(account_for(prosody, "bob", "demo")))
    console = ConsoleClient(account_for(prosody, "alice", "asks-demo"), TrafficStore(), ResponderSet())
    await console.start_session()
    try:
        deadline = time.monotonic() + 15
        while True:  # until the peer is online: before that the server answers for it, each ask paces the next
            (outgoing,) = prepare(f"<iq type='get' to='bob@localhost/demo'>{payload}</iq>")
            waiting = console.send_outgoing(outgoing, 5)
            assert waiting is not None
            reply = await waiting
            if reply.type == "result" or time.monotonic() > deadline or peer.done():
                break
        assert reply.type == "result", reply.xml
        assert reply.sender == "bob@localhost/demo"
    finally:
        peer.cancel()
        await asyncio.gather(peer, return_exceptions=True)
        await console.close()
