"""A flood through the real server: every stanza is kept exactly once, in order, and counted."""

from __future__ import annotations

import asyncio

from iqconsole.core.client import ConsoleClient
from iqconsole.core.responders import ResponderSet
from iqconsole.core.traffic import Direction, Kind, TrafficStore
from tests.xmpp_helpers import account_for, eventually, plain_client

FLOOD = 3000


async def test_a_flood_is_kept_whole_in_order_and_counted(prosody):
    console = ConsoleClient(account_for(prosody, "carol", "flooded"), TrafficStore(capacity=2000), ResponderSet())
    await console.start_session()
    sender = await plain_client(prosody, "bob", "flooder")
    try:
        target = str(console.boundjid)
        for number in range(FLOOD):
            sender.send_raw(f"<message type='headline' to='{target}' id='f{number}'><body>{number}</body></message>")
            if number % 200 == 0:
                await asyncio.sleep(0)  # let the socket drain, as a real sender would

        def messages():
            return [e for e in console.store if e.kind is Kind.MESSAGE and e.stanza_id.startswith("f")]

        await eventually(
            lambda: console.store.count_in >= FLOOD and messages()[-1].stanza_id == f"f{FLOOD - 1}",
            timeout=60,
            what="the whole flood",
        )
        kept = [entry.stanza_id for entry in messages()]
        assert kept == [f"f{number}" for number in range(FLOOD - len(kept), FLOOD)], (
            "in order, none twice, none missing"
        )
        assert len(console.store) == 2000 and console.store.dropped == console.store.total - 2000
        assert all(entry.direction is Direction.IN for entry in messages())
        assert console.online
    finally:
        await sender.disconnect()
        await console.close()
